package org.jdiffusion.dist;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bucketing, the order buckets start in, the batch-share scaling and unreached parameters, on one process. */
class GradientReducerTest {
    /** A communicator of one rank that records the sizes of the all-reduces in the order they start. */
    static final class Recording implements Communicator {
        final List<Integer> started = new ArrayList<>();
        final LocalCommunicator local = new LocalCommunicator();
        @Override public String name() { return "recording"; }
        @Override public int rank() { return 0; }
        @Override public int size() { return 1; }
        @Override public Request allReduceSumAsync(Tensor t) { started.add(t.numel()); return Request.DONE; }
        @Override public void broadcast(Tensor t, int root) {}
        @Override public byte[] broadcastBytes(byte[] b, int root) { return b; }
        @Override public void barrier(double s) {}
        @Override public void abort(String m, int s) { throw new AssertionError(m); }
        @Override public void close() {}
    }

    @Test void bucketsInReverseOrderStartDuringBackwardAndScale() {
        Generator g = new Generator(3);
        // a 3-layer chain: x -> w1 -> w2 -> w3 -> sum; plus a parameter backward never reaches
        Variable w1 = Variable.param(Rand.normal(g, 4, 4)), w2 = Variable.param(Rand.normal(g, 4, 4)), w3 = Variable.param(Rand.normal(g, 4, 2));
        Variable unused = Variable.param(Rand.normal(g, 3));
        List<Variable> params = List.of(w1, w2, unused, w3);
        Recording comm = new Recording();
        GradientReducer r = new GradientReducer(comm, params, 16 * 4);   // 16 floats a bucket: one matrix each, w3 with unused
        assertArrayEquals(new int[]{8 + 3, 16, 16}, r.bucketSizes());
        Variable x = Variable.constant(Rand.normal(g, 5, 4));
        // reference gradients without the reducer
        Variable loss = x.matmul(w1).tanh().matmul(w2).tanh().matmul(w3).sum();
        loss.backward();
        float[] ref1 = w1.grad().toFloatArray(), ref3 = w3.grad().toFloatArray();
        for (Variable p : params) p.zeroGrad();
        loss = x.matmul(w1).tanh().matmul(w2).tanh().matmul(w3).sum();
        loss.backward(r.begin(0.25));
        // the bucket of w2 and w1 started inside backward; the first (w3 + unused) waits for finish(), so nothing started before it
        assertEquals(List.of(), comm.started);
        r.finish();
        assertEquals(List.of(11, 16, 16), comm.started);
        float[] got1 = w1.grad().toFloatArray(), got3 = w3.grad().toFloatArray();
        for (int i = 0; i < ref1.length; i++) assertEquals(0.25f * ref1[i], got1[i], 1e-6f * Math.max(1, Math.abs(ref1[i])));
        for (int i = 0; i < ref3.length; i++) assertEquals(0.25f * ref3[i], got3[i], 1e-6f * Math.max(1, Math.abs(ref3[i])));
        assertArrayEquals(new float[3], unused.grad().toFloatArray());
        assertEquals(4L * (11 + 16 + 16), r.bytesPerStep());
    }

    @Test void bucketsStartAsSoonAsTheirGradientsAreFinal() {
        Generator g = new Generator(4);
        Variable w1 = Variable.param(Rand.normal(g, 4, 4)), w2 = Variable.param(Rand.normal(g, 4, 1));
        Recording comm = new Recording();
        GradientReducer r = new GradientReducer(comm, List.of(w1, w2), 4);   // every parameter a bucket of its own
        Variable x = Variable.constant(Rand.normal(g, 2, 4));
        List<Integer> seenAtW1 = new ArrayList<>();
        Variable.LeafHook h = r.begin(1);
        x.matmul(w1).tanh().matmul(w2).sum().backward(leaf -> {
            if (leaf == w1) seenAtW1.addAll(comm.started);
            h.gradReady(leaf);
        });
        r.finish();
        assertEquals(List.of(4), seenAtW1, "w2's all-reduce started before backward reached w1");
        assertEquals(1.0, r.overlappedFraction());
    }

    @Test void badUse() {
        Recording comm = new Recording();
        Variable w = Variable.param(Tensor.zeros(2));
        GradientReducer r = new GradientReducer(comm, List.of(w), 1 << 20);
        assertThrows(IllegalStateException.class, r::finish);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.begin(0));
        assertTrue(e.getMessage().contains("share of the batch must be in (0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GradientReducer(comm, List.of(w, w), 16));
    }
}
