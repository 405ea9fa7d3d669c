package org.jdiffusion.dist;

import org.jdiffusion.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NCCL's FFM bindings against a stand-in libnccl.so.2 that logs its arguments (no GPU here): the
 * 128-byte unique id passed by value, pointers, counts, dtypes, the sum op, roots and the stream
 * reaching the C side unchanged, NCCL's error strings in our errors, and the id travelling from
 * rank 0 to the other ranks over MPI.
 */
class NcclBindingsTest {
    @Test void argumentsReachTheLibraryUnchanged() throws Exception {
        Nccl nccl = NcclStub.load(NcclStub.build());
        assertEquals("2.21.5", Nccl.versionString(nccl.version()));
        byte[] id = nccl.uniqueId();
        assertEquals(128, id.length);
        long sum = 0;
        for (byte b : id) sum = (sum * 131 + (b & 0xff)) & 0xffffffffL;
        MemorySegment comm = nccl.initRank(4, id, 3);
        nccl.allReduceSum(0x7f0000001000L, 0x7f0000002000L, 5_000_000_000L, NcclCommunicator.ncclType(DType.FLOAT32), comm, 0x5eedL);
        nccl.broadcast(0x1000L, 0x1000L, 12, NcclCommunicator.ncclType(DType.FLOAT64), 2, comm, 0L);
        nccl.group(true);
        nccl.group(false);
        assertEquals(0, nccl.asyncError(comm));
        nccl.destroy(comm, false);
        String log = NcclStub.log(nccl);
        assertTrue(log.contains("initRank nranks=4 rank=3 id=" + sum + "\n"), log);
        assertTrue(log.contains("allReduce send=0x7f0000001000 recv=0x7f0000002000 count=5000000000 dtype=7 op=0 comm_ok=1 stream=0x5eed\n"), log);
        assertTrue(log.contains("broadcast send=0x1000 recv=0x1000 count=12 dtype=8 root=2 comm_ok=1 stream=(nil)\n"), log);
        assertTrue(log.contains("groupStart\ngroupEnd\ndestroy comm_ok=1\n"), log);
    }

    @Test void ncclErrorsCarryNcclsMessage() throws Exception {
        Nccl nccl = NcclStub.load(NcclStub.build());
        MemorySegment comm = nccl.initRank(1, new byte[128], 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> nccl.allReduceSum(0x1000, 0x1000, 0, 7, comm, 0));
        assertEquals("NCCL: ncclAllReduce(0 elements) failed: invalid argument (run with NCCL_DEBUG=WARN for details) (ncclResult_t 4)", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> nccl.initRank(2, new byte[128], 5));
        assertTrue(e.getMessage().startsWith("NCCL: ncclCommInitRank(2 ranks, rank 5) failed: invalid argument"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> nccl.initRank(1, new byte[16], 0));
        assertTrue(bad.getMessage().contains("a unique id has 128 bytes, got 16"), bad.getMessage());
    }

    @Test void theUniqueIdTravelsFromRankZeroOverMpi() throws Exception {
        Path stub = NcclStub.build();
        MpiRun.Result r = MpiRun.run(2, 60, Map.of(), MpiProbe.class.getName(), "nccl-id", "30", stub.toString());
        assertEquals(0, r.status(), r.output());
        List<String> inits = r.output().lines().filter(l -> l.contains("initRank")).toList();
        assertEquals(2, inits.size(), r.output());
        String id0 = inits.getFirst().replaceAll(".*id=", ""), id1 = inits.getLast().replaceAll(".*id=", "");
        assertEquals(id0, id1, "both ranks join with rank 0's id:\n" + r.output());
        assertTrue(r.output().contains("stub 0: getUniqueId") && !r.output().contains("stub 1: getUniqueId"), "only rank 0 makes the id:\n" + r.output());
        assertTrue(inits.stream().anyMatch(l -> l.contains("nranks=2 rank=1")) && inits.stream().anyMatch(l -> l.contains("nranks=2 rank=0")), r.output());
    }
}
