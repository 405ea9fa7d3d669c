package org.jdiffusion.tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The op table: every method of {@link Backend} declared once, with the code that implements it on
 * each side (PyTorch's native_functions.yaml plays this part there). Each row names its frontend, its
 * CPU reference kernel (a class of {@code org.jdiffusion.kernels.cpu}), its fast CPU kernel (of
 * {@code cpu.fast}), its CUDA kernel file and launcher (of {@code kernels/src/main/cuda} and
 * {@code org.jdiffusion.kernels.cuda}) and its backward rule (a class or {@code Class.method} of
 * {@code org.jdiffusion.autograd}, where the rule sits beside its forward). The pointwise ops are
 * declared one by one in {@link UnaryOp} and {@link BinaryOp}.
 * <p>What is generated from it and what checks it: OPS.md ({@link #markdown}, written by
 * {@code ./scripts/gen-ops}; {@code OpTableTest} fails while the file is stale), the CUDA op ids
 * ({@code op_ids.cuh}, by kernels' {@code CudaOpIds}); tensor's test holds the rows against Backend's
 * methods, kernels' test every named kernel class, file and fast-kernel flag, autograd's test every
 * backward rule (and gradchecks each pointwise rule on its declared domain).
 */
public final class OpTable {
    private OpTable() {}

    /** Names that a module's test resolves (classes, {@code Class.method}, {@code file.cu}), and a note for readers. */
    public record Code(List<String> names, String note) {
        public Code {
            names = List.copyOf(names);
        }

        static Code of(String note, String... names) { return new Code(List.of(names), note); }

        static final Code NONE = new Code(List.of(), "");

        String render() {
            if (names.isEmpty() && note.isEmpty()) return "—";
            String n = names.stream().map(s -> "`" + s + "`").collect(Collectors.joining(", "));
            return n.isEmpty() ? note : note.isEmpty() ? n : n + " (" + note + ")";
        }
    }

    /** One row: the Backend methods it covers, the frontend, then reference, fast, CUDA and backward code. */
    public record Entry(List<String> methods, String frontend, Code reference, Code fast, Code cuda, Code backward) {
        public Entry {
            methods = List.copyOf(methods);
        }
    }

    private static Entry row(String methods, String frontend, Code reference, Code fast, Code cuda, Code backward) {
        return new Entry(Arrays.asList(methods.split(",\\s*")), frontend, reference, fast, cuda, backward);
    }

    private static Code c(String note, String... names) { return Code.of(note, names); }

    /** Every row, in OPS.md's order. */
    public static final List<Entry> ENTRIES = List.of(
            row("device, allocate, allocateUninitialized, fromHost, toHost, multipliesBf16",
                    "`Tensor.zeros`, `Tensor.empty`, `Tensor.to(Device)`, `Autocast`, `MemoryScope`",
                    c("`HostPool`", "CpuReferenceBackend"), c("`HostPool`", "CpuBackend"),
                    c("caching allocator, pinned staging", "CudaBackend", "CachingAllocator"),
                    c("memory, no gradient")),
            row("fill, copy", "`Tensor.full`, `Tensor.copy`, `Tensor.to(DType)`", c("", "CpuElementwise"),
                    c("float32; float32 ↔ bf16 casts", "FastElementwise"), c("`fill_*`, `copy_*`, also bf16/f16", "elementwise.cu", "CudaElementwise"),
                    c("", "ShapeFunctions.contiguous", "ShapeFunctions.cast")),
            row("unary", "`Tensor.exp()` …, `Tensor.apply(UnaryOp)`", c("`UnaryOp.apply`", "CpuElementwise"),
                    c("where `UnaryOp.hasFastKernel`", "FastElementwise"), c("`unary_*`, ids from `op_ids.cuh`", "elementwise.cu", "CudaElementwise"),
                    c("`UnaryOp.backwardRule`", "PointwiseFunctions")),
            row("binary", "`Tensor.add(…)` …", c("`BinaryOp.apply`", "CpuElementwise"), c("where `BinaryOp.hasFastKernel`", "FastElementwise"),
                    c("`binary_*`, ids from `op_ids.cuh`", "elementwise.cu", "CudaElementwise"), c("`BinaryOp.backwardRule`", "PointwiseFunctions")),
            row("where", "`Tensor.where`", c("", "CpuElementwise"), Code.NONE, c("`where_*`", "elementwise.cu", "CudaElementwise"),
                    c("", "PointwiseFunctions.where")),
            row("reduce", "`Tensor.sum/max/min/argmax(…)` (`ReduceOp`)", c("", "CpuReduce"), c("sum, max, min", "FastReduce"),
                    c("", "reduce.cu", "CudaReductions"), c("", "ReduceFunctions.sum", "ReduceFunctions.max", "ReduceFunctions.min")),
            row("matmul", "`Linalg.matmul`, `Linalg.linear`", c("", "CpuMatmul"), c("", "FastMatmul", "VectorGemm"),
                    c("fp32 SIMT / TF32 / BF16 by `jdiffusion.cuda.matmul`; float64 naive", "gemm.cu", "gemm.cuh", "CudaMatmul"),
                    c("", "LinalgFunctions.matmul", "LinalgFunctions.linear")),
            row("conv2d, conv2dBackwardInput, conv2dBackwardWeight", "`Conv.conv2d`", c("", "CpuConv"),
                    c("1×1 stride 1: batched GEMM in place; dX at stride > 1: input phases", "FastConv", "FastConvBackward",
                            "FastConv1x1", "ConvInputPhases"),
                    c("implicit GEMM on the `gemm.cuh` tiles of 128, 64 or 32 rows by M; 1×1 to `gemm.cu`; split-K dW", "conv.cu", "CudaConv"),
                    c("", "ConvFunctions.conv2d")),
            row("upsampleNearest, upsampleNearestBackward, avgPool2d, avgPool2dBackward", "`Conv.upsampleNearest`, `Conv.avgPool2d`",
                    c("", "CpuResample"), c("upsampling", "FastResample"), c("", "resample.cu", "CudaResampling"),
                    c("", "ConvFunctions.upsampleNearest", "ConvFunctions.avgPool2d")),
            row("groupNorm, groupNormBackward, layerNorm, layerNormBackward", "`Norm.groupNorm`, `Norm.layerNorm`", c("", "CpuNorm"),
                    c("", "FastNorm", "FastLayerNorm"),
                    c("register-held `*_rows_*` kernels for dense layouts, chosen by `CudaFastRows`; generic ones otherwise", "norm.cu", "CudaNorms",
                            "CudaFastRows"),
                    c("", "NormFunctions.groupNorm", "NormFunctions.layerNorm")),
            row("softmax, softmaxBackward", "`Norm.softmax`, `Norm.logSoftmax`", c("", "CpuSoftmax"), c("", "FastSoftmax"),
                    c("`softmax_rows_*` for rows of stride 1, by `CudaFastRows`; generic otherwise", "softmax.cu", "CudaSoftmax"),
                    c("", "NormFunctions.softmax", "NormFunctions.logSoftmax")),
            row("attention, attentionBackward", "`Norm.attention`", c("", "CpuAttention"), c("", "FastAttention"),
                    c("`attention_fwd_*`, `attention_bwd_{rowdot,dkdv,dq}_*`", "attention.cu", "CudaAttention"), c("", "NormFunctions.attention")),
            row("gather, scatterAdd, indexSelect, indexAdd", "`Index`", c("", "CpuIndex"), Code.NONE, c("", "index.cu", "CudaIndexing"),
                    c("", "IndexFunctions.gather", "IndexFunctions.indexSelect", "IndexFunctions.embedding")),
            row("adamStep", "`Optim.adamStep` with an `AdamHyper`", c("float64 arithmetic", "CpuOptim"), c("", "FastAdamW"),
                    c("`adam_step_*`, multi-tensor", "optim.cu", "CudaOptim"), c("updates state in place; used by nn's `Adam`")),
            row("emaUpdate", "`Optim.emaUpdate`", c("float64 arithmetic", "CpuOptim"), c("", "FastEma"),
                    c("`ema_update_*`, multi-tensor", "optim.cu", "CudaOptim"), c("used by nn's `Ema`")),
            row("random", "`Rand` (`Philox.Distribution`)", c("", "CpuRandom"), c("contiguous outputs, every dtype", "FastRandom"),
                    c("bit-identical to `Philox`, normals included", "random.cu", "CudaRandom"), c("draws, no gradient")));

    /** OPS.md, rendered from {@link #ENTRIES}, {@link UnaryOp} and {@link BinaryOp}. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("""
                # Ops: where each one lives

                <!-- GENERATED from tensor/src/main/java/org/jdiffusion/tensor/OpTable.java, UnaryOp.java and BinaryOp.java
                     by ./scripts/gen-ops: do not edit; OpTableTest fails while this file is stale. -->

                Every op is a method of `org.jdiffusion.tensor.Backend`, declared once in `OpTable` (pointwise ops one
                by one in `UnaryOp` and `BinaryOp`). Its frontend (checks, allocation, broadcasting) is in the tensor
                module, its CPU reference kernel in `kernels/src/main/java/org/jdiffusion/kernels/cpu` (`CpuReferenceBackend`,
                the oracle), its fast Vector API kernel, where one exists, in `cpu/fast` (what the `cpu` device's
                `CpuBackend` runs for float32, falling back to the reference elsewhere), its CUDA kernel in
                `kernels/src/main/cuda` with its launcher in `org.jdiffusion.kernels.cuda`, and its backward rule in the
                autograd family class of the same theme. Composite ops (mean, var, std, logsumexp, clamp, linear,
                embedding, cat, stack, split, pad, randint/bernoulli/randperm, the losses) are built from these and need
                no kernel or rule of their own. The tests of tensor, kernels and autograd resolve every name below.

                | Backend method | frontend | CPU reference kernel | fast CPU kernel (float32, `cpu/fast`) | CUDA kernel and launcher | backward rule (autograd) |
                |---|---|---|---|---|---|
                """);
        for (Entry e : ENTRIES)
            b.append("| ").append(String.join(", ", e.methods())).append(" | ").append(e.frontend()).append(" | ").append(e.reference().render())
                    .append(" | ").append(e.fast().render()).append(" | ").append(e.cuda().render()).append(" | ").append(e.backward().render())
                    .append(" |\n");
        b.append("""

                ## Pointwise ops

                Each is one enum constant with its float64 formula (`apply`, the CPU reference and every test's oracle).
                Every one has a CUDA case in `elementwise.cu` under the id `op_ids.cuh` generates from the enum; an id
                without a case sets the device error flag (`E_UNKNOWN_OP`), raised at the next synchronisation.

                | unary op | dtypes | test domain | fast CPU kernel | CUDA id | backward rule (`PointwiseFunctions`) |
                |---|---|---|---|---|---|
                """);
        for (UnaryOp op : UnaryOp.values())
            b.append("| ").append(op.opName()).append(" | ").append(op.needsFloating() ? "floating" : "floating, int64").append(" | ")
                    .append(op.domain().name().toLowerCase()).append(" | ").append(op.hasFastKernel() ? "yes" : "— (reference)").append(" | `U_")
                    .append(op.name()).append("` | ").append(op.backwardRule() == null ? "— (no gradient)" : "`" + op.backwardRule() + "`")
                    .append(" |\n");
        b.append("\n| binary op | dtypes | fast CPU kernel | CUDA id | backward rule (`PointwiseFunctions`) |\n|---|---|---|---|---|\n");
        for (BinaryOp op : BinaryOp.values())
            b.append("| ").append(op.opName()).append(" | ").append(op.needsFloating() ? "floating" : "floating, int64").append(" | ")
                    .append(op.hasFastKernel() ? "yes" : "— (reference)").append(" | `B_").append(op.name()).append("` | ")
                    .append(op.backwardRule() == null ? "— (no gradient)" : "`" + op.backwardRule() + "`").append(" |\n");
        b.append("""

                The optimizer ops take lists of tensors (one position per parameter) and require every tensor
                contiguous; their composite definitions (the test oracles) are in `AdamHyper`'s Javadoc and
                `kernels/src/test/java/org/jdiffusion/kernels/OptimTensors.java`.

                dtypes: every op takes float32 and float64 (int64 where it makes sense). The 16-bit storage dtypes
                bfloat16 and float16 reach fill and copy/cast on every device, and unary, binary, where and reduce
                on the CPU only (computed on the widened values, rounded once, result dtype unchanged; cuda refuses
                them by name); every other frontend rejects them with the cast to make (`.to(DType.FLOAT32)`).

                The conformance test (`kernels/src/test/java/org/jdiffusion/kernels/BackendConformanceTest.java`)
                walks Backend by reflection, and every pointwise op of the enums, and fails when an op has no exercise
                or a present backend lacks it.
                """);
        return b.toString();
    }

    /** Writes OPS.md to the path given (default {@code OPS.md}), atomically. */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "OPS.md");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, markdown(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + file);
    }
}
