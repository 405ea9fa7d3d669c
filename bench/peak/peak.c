/*
 * The machine's measured ceilings, against which bench/compare-torch and bench/guard state every rate:
 *
 *   fma   float32 FMA throughput: CHAINS independent accumulator chains of the widest vector the compiler
 *         targets (-march=native: 512-bit with AVX-512F, 256-bit with AVX2+FMA, else scalar), each step
 *         acc = acc * m + a. CHAINS exceeds FMA latency x FMA ports (4 x 2 on current x86 cores), so the
 *         loop is bound by the ports' throughput, not by latency. 2 FLOPs per lane per FMA.
 *   copy  bandwidth of a streaming copy between two 256 MiB buffers (far beyond the caches) with ordinary
 *         vector loads and stores, as the kernels do; counted as bytes read + bytes written (2 x size),
 *         the way the benchmarks count their GB/s (the write-allocate read is not counted on either side).
 *
 * Each is run on 1 thread and on N threads (pthreads, one share of the work each, all started together
 * behind a barrier); the best of REPS timed runs is kept. Output, one tab-separated line per fact:
 *   cpu <model name>   isa <vector width used>   fma_gflops <threads> <GFLOP/s>   copy_gbs <threads> <GB/s>
 *
 *   cc -O2 -march=native -pthread -o peak peak.c && ./peak [N] [seconds per run]
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define ISA "avx512f (16 float32 lanes)"
#define VSET(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
static float vsum(vec v) { return _mm512_reduce_add_ps(v); }
#define CHAINS 16
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define ISA "avx2+fma (8 float32 lanes)"
#define VSET(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
static float vsum(vec v) { float t[8]; _mm256_storeu_ps(t, v); float s = 0; for (int i = 0; i < 8; i++) s += t[i]; return s; }
#define CHAINS 12 /* 16 ymm registers: 12 chains + the two operands */
#else
typedef float vec;
#define LANES 1
#define ISA "scalar (no AVX2+FMA at -march=native)"
#define VSET(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VADD(a, b) ((a) + (b))
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
static float vsum(vec v) { return v; }
#define CHAINS 12
#endif

#define REPS 5
#define COPY_BYTES (256L << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    int kind;          /* 0 fma, 1 copy */
    long iters;        /* fma: loop trips; copy: passes over the share */
    float *src, *dst;  /* copy: this thread's share */
    long n;            /* copy: floats in the share */
    pthread_barrier_t *start;
    double seconds;
    float sink;
} job;

/* the chains as named locals, unrolled by hand: an array indexed in a loop may be kept in memory at -O2 */
#define CH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) CH_MORE(X)
#if CHAINS == 16
#define CH_MORE(X) X(12) X(13) X(14) X(15)
#else
#define CH_MORE(X)
#endif
#define DECL(c) vec acc##c = VSET(1.0f + c * 1e-3f);
#define STEP(c) acc##c = VFMA(acc##c, m, a);
#define KEEP(c) __asm__ volatile("" : "+x"(acc##c));
#define SUM(c) s = VADD(s, acc##c);

static void *fma_loop(job *j) {
    CH(DECL)
    /* m slightly below 1 and a small: the accumulators converge, never overflow or turn denormal */
    vec m = VSET(0.999999f), a = VSET(1e-6f);
    for (long i = 0; i < j->iters; i++) {
        CH(STEP)
        CH(KEEP) /* opaque to the compiler: no chain can be folded or hoisted */
    }
    vec s = VSET(0.0f);
    CH(SUM)
    j->sink = vsum(s);
    return NULL;
}

static void copy_loop(job *j) {
    float sink = 0;
    for (long r = 0; r < j->iters; r++) {
        const float *s = j->src;
        float *d = j->dst;
        for (long i = 0; i + 4 * LANES <= j->n; i += 4 * LANES) {
            vec a = VLOAD(s + i), b = VLOAD(s + i + LANES), c = VLOAD(s + i + 2 * LANES), e = VLOAD(s + i + 3 * LANES);
            VSTORE(d + i, a); VSTORE(d + i + LANES, b); VSTORE(d + i + 2 * LANES, c); VSTORE(d + i + 3 * LANES, e);
        }
        sink += d[r % j->n];
        __asm__ volatile("" ::: "memory");
    }
    j->sink = sink;
}

static void *worker(void *arg) {
    job *j = arg;
    pthread_barrier_wait(j->start);
    double t0 = now();
    if (j->kind == 0) fma_loop(j); else copy_loop(j);
    j->seconds = now() - t0;
    return NULL;
}

/* Runs `threads` jobs together; returns the slowest thread's seconds (the wall time of the whole). */
static double run(int kind, int threads, long iters, float *src, float *dst) {
    pthread_t t[threads];
    job j[threads];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, threads);
    long share = COPY_BYTES / sizeof(float) / threads;
    for (int i = 0; i < threads; i++) {
        j[i] = (job){.kind = kind, .iters = iters, .src = src + i * share, .dst = dst + i * share, .n = share, .start = &start};
        pthread_create(&t[i], NULL, worker, &j[i]);
    }
    double worst = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        if (j[i].seconds > worst) worst = j[i].seconds;
        if (j[i].sink == 12345.0f) fputs("", stderr); /* use the result */
    }
    pthread_barrier_destroy(&start);
    return worst;
}

/* Best rate over REPS runs of about `seconds` each, the trip count calibrated on a short run first. */
static double measure(int kind, int threads, double seconds, float *src, float *dst) {
    double per_iter_work = kind == 0 ? 2.0 * CHAINS * LANES : 2.0 * COPY_BYTES / threads;
    long iters = kind == 0 ? 1L << 16 : 1;
    double t = run(kind, threads, iters, src, dst);
    while (t < 0.05) { iters *= 4; t = run(kind, threads, iters, src, dst); }
    iters = (long) (iters * seconds / t) + 1;
    double best = 0;
    for (int r = 0; r < REPS; r++) {
        double rate = per_iter_work * iters * threads / run(kind, threads, iters, src, dst) / 1e9;
        if (rate > best) best = rate;
    }
    return best;
}

static void model_name(char *out, size_t size) {
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + (v[1] == ' ');
                v[strcspn(v, "\n")] = 0;
                snprintf(out, size, "%s", v);
            }
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double seconds = argc > 2 ? atof(argv[2]) : 0.3;
    if (threads < 1 || threads > 1024 || seconds <= 0) {
        fprintf(stderr, "usage: peak [threads >= 1] [seconds per run > 0], got '%s' '%s'\n", argc > 1 ? argv[1] : "", argc > 2 ? argv[2] : "");
        return 2;
    }
    char cpu[256];
    model_name(cpu, sizeof cpu);
    printf("cpu\t%s\nisa\t%s\n", cpu, ISA);
    float *src = aligned_alloc(64, COPY_BYTES), *dst = aligned_alloc(64, COPY_BYTES);
    if (!src || !dst) { fprintf(stderr, "peak: cannot allocate 2 x %ld MiB for the copy probe\n", COPY_BYTES >> 20); return 1; }
    for (long i = 0; i < COPY_BYTES / (long) sizeof(float); i++) { src[i] = (float) i; dst[i] = 0; }
    int counts[2] = {1, threads};
    for (int k = 0; k < (threads > 1 ? 2 : 1); k++) {
        printf("fma_gflops\t%d\t%.1f\n", counts[k], measure(0, counts[k], seconds, src, dst));
        printf("copy_gbs\t%d\t%.1f\n", counts[k], measure(1, counts[k], seconds, src, dst));
        fflush(stdout);
    }
    free(src);
    free(dst);
    return 0;
}
