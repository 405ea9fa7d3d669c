package org.jdiffusion.dist;

import org.jdiffusion.tensor.Tensor;

/** The communicator of a run in one process: size 1, every collective the identity. */
public final class LocalCommunicator implements Communicator {
    @Override public String name() { return "local"; }

    @Override public int rank() { return 0; }

    @Override public int size() { return 1; }

    @Override public Request allReduceSumAsync(Tensor t) {
        Communicator.checkReducible("allReduceSum", t);
        return Request.DONE;
    }

    @Override public void broadcast(Tensor t, int root) { check(root); }

    @Override public byte[] broadcastBytes(byte[] bytes, int root) {
        check(root);
        return bytes.clone();
    }

    @Override public void barrier(double timeoutSeconds) {}

    @Override public void abort(String message, int status) {
        System.err.println(message);
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    @Override public void close() {}

    private static void check(int root) {
        if (root != 0) throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a 1-rank group");
    }
}
