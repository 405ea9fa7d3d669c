package org.jdiffusion.dist;

import org.jdiffusion.tensor.Device;

import java.util.Locale;
import java.util.Map;

/**
 * Picks and opens the communicator of a run. {@code auto} reads the launcher's environment: under
 * {@code mpirun -np N} with N &gt; 1 (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE of MPICH's
 * Hydra and Slurm) it is NCCL on a CUDA device and MPI on the CPU; otherwise the one-process
 * communicator. Asking for {@code local} under a multi-rank launcher is an error: it would train
 * N independent copies.
 */
public final class Communicators {
    /** Seconds each collective may take before the job is aborted (default {@link #DEFAULT_TIMEOUT_SECONDS}). */
    public static final String TIMEOUT_ENV = "JDIFFUSION_COLLECTIVE_TIMEOUT";
    public static final double DEFAULT_TIMEOUT_SECONDS = 300;

    public enum Kind {
        AUTO, LOCAL, MPI, NCCL;

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown communicator '" + s + "' (expected auto, local, mpi or nccl)");
            }
        }
    }

    private Communicators() {}

    /** The number of ranks the launcher started, from its environment; 0 when no launcher is seen. */
    public static int launcherSize(Map<String, String> env) {
        for (String k : new String[]{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) {
                try {
                    return Integer.parseInt(v.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(k + "=" + v + " is not a number of ranks");
                }
            }
        }
        return 0;
    }

    /** The rank the launcher gave this process (for per-rank device choice before MPI starts); 0 when none. */
    public static int launcherLocalRank(Map<String, String> env) {
        for (String k : new String[]{"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) return Integer.parseInt(v.trim());
        }
        return 0;
    }

    /** What {@code kind} resolves to on {@code device} in environment {@code env}. */
    public static Kind resolve(Kind kind, Device device, Map<String, String> env) {
        int n = launcherSize(env);
        return switch (kind) {
            case AUTO -> n > 1 ? (device.isCpu() ? Kind.MPI : Kind.NCCL) : Kind.LOCAL;
            case LOCAL -> {
                if (n > 1) throw new IllegalArgumentException("--comm local under a launcher of " + n + " ranks would train " + n
                        + " independent copies; use --comm auto, mpi or nccl");
                yield Kind.LOCAL;
            }
            case NCCL -> {
                if (device.isCpu()) throw new IllegalArgumentException("--comm nccl needs --device cuda; CPU ranks use --comm mpi");
                yield Kind.NCCL;
            }
            case MPI -> Kind.MPI;
        };
    }

    /** Opens the communicator {@code kind} resolves to. */
    public static Communicator open(Kind kind, Device device, Map<String, String> env, double timeoutSeconds) {
        return switch (resolve(kind, device, env)) {
            case LOCAL, AUTO -> new LocalCommunicator();
            case MPI -> MpiCommunicator.init(timeoutSeconds);
            case NCCL -> {
                if (launcherSize(env) <= 1) yield NcclCommunicator.init(new LocalCommunicator(), device, timeoutSeconds);   // one GPU, no MPI needed
                MpiCommunicator mpi = MpiCommunicator.init(timeoutSeconds);
                try {
                    yield NcclCommunicator.init(mpi, device, timeoutSeconds);
                } catch (RuntimeException e) {
                    mpi.abort(e.getMessage(), 2);
                    throw e;
                }
            }
        };
    }

    /** The collective timeout of {@link #TIMEOUT_ENV}, or the default; a bad value is an error naming the variable. */
    public static double timeoutSeconds(Map<String, String> env) {
        String v = env.get(TIMEOUT_ENV);
        if (v == null || v.isBlank()) return DEFAULT_TIMEOUT_SECONDS;
        try {
            double s = Double.parseDouble(v.trim());
            if (s > 0) return s;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(TIMEOUT_ENV + "=" + v + ": expected a number of seconds > 0");
    }
}
