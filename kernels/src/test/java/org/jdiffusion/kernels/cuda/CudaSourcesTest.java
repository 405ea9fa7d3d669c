package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Checks the kernel sources against the Java side without a GPU: file list, headers, op ids, kernel names, the built fatbin. */
class CudaSourcesTest {
    static final Path DIR = Path.of("src/main/cuda");

    static String all() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String f : CudaSources.FILES) b.append(Files.readString(DIR.resolve(f)));
        return b.toString();
    }

    @Test void everySourceFileIsListedForTheNvrtcFallback() throws IOException {
        List<String> onDisk;
        try (Stream<Path> s = Files.list(DIR)) {
            onDisk = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu") || n.endsWith(".cuh")).sorted().toList();
        }
        assertEquals(onDisk, CudaSources.FILES.stream().sorted().toList());
        for (String f : CudaSources.FILES) assertNotNull(CudaSources.source(f), f + " is not on the class path as a resource");
    }

    @Test void everyKernelFileOpensWithItsShapeLegendAndBytesMoved() throws IOException {
        for (String f : CudaSources.FILES) {
            String text = Files.readString(DIR.resolve(f));
            String header = text.substring(0, text.indexOf("#"));  // the comment block before the first directive
            assertTrue(header.startsWith("//"), f + " should open with a comment");
            assertTrue(header.contains("Shape"), f + " should state its shape legend");
            assertTrue(header.contains("Bytes moved"), f + " should state its bytes moved");
        }
    }

    @Test void opIdsFollowTheJavaEnums() throws IOException {
        String src = all();
        assertEquals(names(UnaryOp.values(), "U_"), enumBody(src, "UnaryOpId"));
        assertEquals(names(BinaryOp.values(), "B_"), enumBody(src, "BinaryOpId"));
        assertEquals(names(ReduceOp.values(), "R_"), enumBody(src, "ReduceOpId"));
        assertEquals(names(Philox.Distribution.values(), "D_"), enumBody(src, "DistributionId"));
    }

    private static List<String> names(Enum<?>[] values, String prefix) {
        return Arrays.stream(values).map(v -> prefix + v.name()).toList();
    }

    private static List<String> enumBody(String src, String name) {
        Matcher m = Pattern.compile("enum " + name + "\\s*\\{([^}]*)}").matcher(src);
        assertTrue(m.find(), "enum " + name + " not found");
        return Arrays.stream(m.group(1).split(",")).map(s -> s.replaceAll("=.*", "").trim()).filter(s -> !s.isEmpty()).toList();
    }

    @Test void everyKernelTheBackendLaunchesExists() throws IOException {
        Set<String> declared = expandMacros(all());
        List<String> want = new ArrayList<>();
        String[] all = {"f32", "f64", "i64"}, floats = {"f32", "f64"};
        for (String s : all) {
            for (String k : new String[]{"fill_", "fill_dense_", "unary_", "unary_dense_", "binary_", "binary_dense_", "reduce_",
                    "reduce_finish_", "reduce_thread_", "gather_", "scatter_add_", "random_", "upsample_nearest_",
                    "upsample_nearest_backward_"})
                want.add(k + s);
            for (String d : all) {
                want.add("copy_" + s + "_" + d);
                want.add("copy_dense_" + s + "_" + d);
                want.add("where_" + s + "_" + d);
            }
        }
        String[] storage = {"f32", "f64", "i64", "bf16", "f16"};   // bfloat16/float16: fill and copy/cast only
        for (String s : storage) {
            want.add("fill_" + s);
            want.add("fill_dense_" + s);
            for (String d : storage) {
                want.add("copy_" + s + "_" + d);
                want.add("copy_dense_" + s + "_" + d);
            }
        }
        for (String s : floats)
            for (String k : new String[]{"softmax_", "softmax_backward_", "layer_norm_", "layer_norm_backward_", "layer_norm_param_grads_",
                    "group_norm_", "group_norm_backward_", "group_norm_param_grads_", "layer_norm_rows_param_grads_",
                    "group_norm_rows_param_partials_", "group_norm_param_grads_sum_", "avg_pool2d_", "avg_pool2d_backward_",
                    "adam_step_", "ema_update_"})
                want.add(k + s);
        for (CudaFastRows.Family f : CudaFastRows.Family.values())
            for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
                for (int[] v : f.variants(dt)) want.add(f.prefix + CudaOps.sfx(dt) + "_n" + v[0]);
        for (String v : new String[]{"naive_f32", "naive_f64", "simt_f32", "tf32_f32", "bf16_f32", "simt_m64_f32", "tf32_m64_f32",
                "bf16_m64_f32", "simt_m32_f32", "tf32_m32_f32", "bf16_m32_f32"}) {
            want.add("gemm_" + v);
            for (String pass : new String[]{"fwd", "dx", "dw"}) want.add("conv_" + pass + "_" + v);
        }
        want.add("conv_dw_reduce_f32");
        want.add("conv_dw_reduce_f64");
        for (String k : want) if (!declared.contains(k)) fail("kernel " + k + " is launched by the backend but not defined; defined: " + declared);
    }

    /** Kernel names: __global__ definitions written out plus those of the expanded JD_* instantiation macros. */
    static final Pattern KERNEL = Pattern.compile("__global__ void (?:__launch_bounds__\\s*\\S*\\([^)]*\\)\\s*)?(\\w+)\\(");

    static Set<String> expandMacros(String src) {
        Set<String> out = new HashSet<>();
        Matcher plain = KERNEL.matcher(src);
        while (plain.find()) out.add(plain.group(1));
        Matcher def = Pattern.compile("#define (JD_\\w+)\\(([^)]*)\\)((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(src);
        java.util.Map<String, String[]> params = new java.util.HashMap<>();
        java.util.Map<String, String> bodies = new java.util.HashMap<>();
        while (def.find()) {
            params.put(def.group(1), Arrays.stream(def.group(2).split(",")).map(String::trim).toArray(String[]::new));
            bodies.put(def.group(1), def.group(3).replace("\\\n", "\n"));
        }
        Matcher call = Pattern.compile("(?m)^(JD_\\w+)\\(([^)]*)\\)\\s*$").matcher(src);
        while (call.find()) expand(call.group(1), call.group(2).split(","), params, bodies, out);
        return out;
    }

    private static void expand(String macro, String[] args, java.util.Map<String, String[]> params, java.util.Map<String, String> bodies,
                               Set<String> out) {
        String body = bodies.get(macro);
        if (body == null) return;
        String[] ps = params.get(macro);
        for (int i = 0; i < ps.length && i < args.length; i++)
            body = body.replaceAll("\\b" + Pattern.quote(ps[i]) + "\\b", Matcher.quoteReplacement(args[i].trim()));
        body = body.replace("##", "");
        Matcher k = KERNEL.matcher(body);
        while (k.find()) out.add(k.group(1));
        Matcher nested = Pattern.compile("(JD_\\w+)\\(([^)]*)\\)").matcher(body);
        while (nested.find()) expand(nested.group(1), nested.group(2).split(","), params, bodies, out);
    }

    @Test void noClassOutsideTheCudaPackageTouchesJCuda() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (p.toString().replace('\\', '/').contains("org/jdiffusion/kernels/cuda/")) continue;
                assertTrue(!Files.readString(p).contains("jcuda"), p + " must not reference JCuda (it loads lazily from the cuda package)");
            }
        }
        String provider = Files.readString(Path.of("src/main/java/org/jdiffusion/kernels/cuda/CudaProvider.java"));
        assertTrue(!provider.contains("import jcuda"), "CudaProvider is instantiated by ServiceLoader on every machine: no JCuda types");
    }

    @Test void theBuiltFatbinIsAFatbinWhenNvccRan() {
        byte[] fatbin = CudaSources.fatbin();
        Assumptions.assumeTrue(fatbin != null, "no fatbin on the class path: the build ran without nvcc");
        assertTrue(fatbin.length > 1024, "fatbin of " + fatbin.length + " bytes");
        int magic = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        assertEquals(0xBA55ED50, magic, "fatbin magic");
    }

    @Test void theUmbrellaIncludesEveryKernelFile() {
        String u = CudaSources.umbrella();
        for (String f : CudaSources.FILES)
            if (f.endsWith(".cu")) assertTrue(u.contains("#include \"" + f + "\""), f);
    }
}
