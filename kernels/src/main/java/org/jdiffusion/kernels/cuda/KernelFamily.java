package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A typed handle of the kernels a launcher instantiates per dtype: the family's name stem and, per
 * dtype operand, the dtypes the .cu file instantiates it for. {@link #of} is the only place such a
 * kernel's name is built, and it refuses a dtype the family lacks on the host, naming both, before
 * the driver is asked; {@code KernelFamilyTest} checks that every name {@link #instances()} lists
 * is defined in the sources (and the driver emulator runs them all).
 */
enum KernelFamily {
    FILL("fill_", Dt.STORAGE), FILL_DENSE("fill_dense_", Dt.STORAGE),
    COPY("copy_", Dt.STORAGE, Dt.STORAGE), COPY_DENSE("copy_dense_", Dt.STORAGE, Dt.STORAGE),
    UNARY("unary_", Dt.NUMERIC), UNARY_DENSE("unary_dense_", Dt.NUMERIC),
    BINARY("binary_", Dt.NUMERIC), BINARY_DENSE("binary_dense_", Dt.NUMERIC),
    WHERE("where_", Dt.NUMERIC, Dt.NUMERIC),
    REDUCE("reduce_", Dt.NUMERIC), REDUCE_FINISH("reduce_finish_", Dt.NUMERIC), REDUCE_THREAD("reduce_thread_", Dt.NUMERIC),
    GATHER("gather_", Dt.NUMERIC), SCATTER_ADD("scatter_add_", Dt.NUMERIC),
    RANDOM("random_", Dt.NUMERIC),
    UPSAMPLE_NEAREST("upsample_nearest_", Dt.NUMERIC), UPSAMPLE_NEAREST_BACKWARD("upsample_nearest_backward_", Dt.NUMERIC),
    AVG_POOL2D("avg_pool2d_", Dt.FLOATS), AVG_POOL2D_BACKWARD("avg_pool2d_backward_", Dt.FLOATS),
    SOFTMAX("softmax_", Dt.FLOATS), SOFTMAX_BACKWARD("softmax_backward_", Dt.FLOATS),
    LAYER_NORM("layer_norm_", Dt.FLOATS), LAYER_NORM_BACKWARD("layer_norm_backward_", Dt.FLOATS),
    LAYER_NORM_PARAM_GRADS("layer_norm_param_grads_", Dt.FLOATS), LAYER_NORM_ROWS_PARAM_GRADS("layer_norm_rows_param_grads_", Dt.FLOATS),
    GROUP_NORM("group_norm_", Dt.FLOATS), GROUP_NORM_BACKWARD("group_norm_backward_", Dt.FLOATS),
    GROUP_NORM_PARAM_GRADS("group_norm_param_grads_", Dt.FLOATS),
    GROUP_NORM_ROWS_PARAM_PARTIALS("group_norm_rows_param_partials_", Dt.FLOATS),
    GROUP_NORM_PARAM_GRADS_SUM("group_norm_param_grads_sum_", Dt.FLOATS),
    ADAM_STEP("adam_step_", Dt.FLOATS), EMA_UPDATE("ema_update_", Dt.FLOATS),
    CONV_DW_REDUCE("conv_dw_reduce_", Dt.FLOATS), ATTENTION_BWD_ROWDOT("attention_bwd_rowdot_", Dt.FLOATS);

    /** The dtype sets the .cu files instantiate families for. */
    enum Dt {
        STORAGE(EnumSet.allOf(DType.class)),
        NUMERIC(EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT64)),
        FLOATS(EnumSet.of(DType.FLOAT32, DType.FLOAT64));

        final Set<DType> dtypes;

        Dt(Set<DType> dtypes) { this.dtypes = dtypes; }
    }

    private final String stem;
    private final Dt[] operands;
    private final Map<List<DType>, String> names = new ConcurrentHashMap<>();

    KernelFamily(String stem, Dt... operands) {
        this.stem = stem;
        this.operands = operands;
    }

    /** The kernel of this family for the given dtypes (one per dtype operand, in order). */
    String of(DType... dts) {
        List<DType> key = List.of(dts);
        String name = names.get(key);
        if (name != null) return name;
        if (dts.length != operands.length)
            throw new IllegalArgumentException("kernel family " + this + " takes " + operands.length + " dtype(s), got " + key);
        StringBuilder b = new StringBuilder(stem);
        for (int i = 0; i < dts.length; i++) {
            if (!operands[i].dtypes.contains(dts[i]))
                throw new UnsupportedOperationException("cuda has no " + stem + "* kernel for " + dts[i] + " (instantiated for "
                        + operands[i].dtypes + ")");
            b.append(i == 0 ? "" : "_").append(CudaOps.sfx(dts[i]));
        }
        names.putIfAbsent(key, b.toString());
        return b.toString();
    }

    /** Every kernel name of the family: each combination of the dtypes it is instantiated for. */
    List<String> instances() {
        List<String> out = new ArrayList<>();
        for (DType a : operands[0].dtypes) {
            if (operands.length == 1) out.add(of(a));
            else for (DType b : operands[1].dtypes) out.add(of(a, b));
        }
        return out;
    }
}
