/* A stand-in for libnccl.so.2 with NCCL 2's signatures, for testing the FFM bindings on machines
 * without a GPU: every call appends one line with its arguments to a log that stub_log() returns,
 * ncclGetUniqueId fills the id with bytes that depend on the process id, and ncclCommInitRank
 * records a checksum of the id it was passed by value. Build: cc -shared -fPIC -o libnccl.so.2 nccl_stub.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct { char internal[128]; } ncclUniqueId;
static char log_buf[16384];
static int comm_token;

static void say(const char *fmt, ...) {
  size_t n = strlen(log_buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(log_buf + n, sizeof log_buf - n, fmt, ap);
  va_end(ap);
}

const char *stub_log(void) { return log_buf; }

int ncclGetVersion(int *v) { *v = 22105; return 0; }

int ncclGetUniqueId(ncclUniqueId *id) {
  unsigned p = (unsigned) getpid();
  for (int i = 0; i < 128; i++) id->internal[i] = (char) (p * 31u + (unsigned) i * 7u);
  say("getUniqueId\n");
  return 0;
}

int ncclCommInitRank(void **comm, int nranks, ncclUniqueId id, int rank) {
  unsigned sum = 0;
  for (int i = 0; i < 128; i++) sum = sum * 131u + (unsigned char) id.internal[i];
  *comm = &comm_token;
  say("initRank nranks=%d rank=%d id=%u\n", nranks, rank, sum);
  return nranks < 1 || rank < 0 || rank >= nranks ? 4 : 0;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int dtype, int op, void *comm, void *stream) {
  say("allReduce send=%p recv=%p count=%zu dtype=%d op=%d comm_ok=%d stream=%p\n", send, recv, count, dtype, op, comm == &comm_token, stream);
  return count == 0 ? 4 : 0;
}

int ncclBroadcast(const void *send, void *recv, size_t count, int dtype, int root, void *comm, void *stream) {
  say("broadcast send=%p recv=%p count=%zu dtype=%d root=%d comm_ok=%d stream=%p\n", send, recv, count, dtype, root, comm == &comm_token, stream);
  return 0;
}

int ncclGroupStart(void) { say("groupStart\n"); return 0; }
int ncclGroupEnd(void) { say("groupEnd\n"); return 0; }
int ncclCommDestroy(void *comm) { say("destroy comm_ok=%d\n", comm == &comm_token); return 0; }
int ncclCommAbort(void *comm) { say("abort comm_ok=%d\n", comm == &comm_token); return 0; }
int ncclCommGetAsyncError(void *comm, int *r) { *r = 0; return 0; }

const char *ncclGetErrorString(int r) {
  return r == 4 ? "invalid argument (run with NCCL_DEBUG=WARN for details)" : "unhandled error";
}
