package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Whether the CUDA backend can be created here, and why not: the provider's own message (no
 * driver, no device, kernels missing). Backs {@link RequiresCuda} and {@link #assumeUsable}.
 */
public final class CudaCondition implements ExecutionCondition {
    private static volatile String reason;
    private static volatile boolean checked;

    /** Null when cuda:0 is usable, else why not. */
    public static synchronized String unavailableReason() {
        if (!checked) {
            try {
                Backends.of(Device.cuda(0));
                reason = null;
            } catch (RuntimeException e) {
                reason = e.getMessage().replaceAll("\\s*\\n\\s*", " ");
            }
            checked = true;
        }
        return reason;
    }

    public static boolean available() { return unavailableReason() == null; }

    /** Aborts the calling test (reported as skipped, with the reason) when {@code device} is a CUDA device that is not usable. */
    public static void assumeUsable(Device device) {
        if (device.isCpu()) return;
        String why = device.index() == 0 ? unavailableReason() : whyNot(device);
        Assumptions.assumeTrue(why == null, () -> "skipped: no usable GPU: " + why);
    }

    private static String whyNot(Device d) {
        try {
            Backends.of(d);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    @Override public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = unavailableReason();
        return why == null ? ConditionEvaluationResult.enabled("cuda:0 is usable")
                : ConditionEvaluationResult.disabled("no usable GPU: " + why);
    }
}
