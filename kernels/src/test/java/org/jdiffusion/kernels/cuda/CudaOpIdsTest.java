package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The generated op ids and the typed kernel handles against the sources, without a GPU. */
class CudaOpIdsTest {
    @Test void opIdsHeaderIsTheRenderingOfTheJavaEnums() throws IOException {
        String have = Files.readString(Path.of(CudaOpIds.HEADER), StandardCharsets.UTF_8);
        if (!have.equals(CudaOpIds.header()))
            fail(CudaOpIds.HEADER + " is stale: it is generated from the Java enums; run ./scripts/gen-ops");
    }

    @Test void everyPointwiseOpHasItsCaseInElementwiseCu() throws IOException {
        String src = Files.readString(CudaSourcesTest.DIR.resolve("elementwise.cu"));
        for (UnaryOp op : UnaryOp.values()) {
            assertTrue(src.contains("case U_" + op.name() + ":"), "elementwise.cu has no case U_" + op.name() + " (UnaryOp." + op + ")");
            if (!op.needsFloating())
                assertEquals(2, count(src, "case U_" + op.name() + ":"), "UnaryOp." + op + " takes int64: a case in unary_apply and in Unary<i64>");
        }
        for (BinaryOp op : BinaryOp.values())
            assertTrue(src.contains("case B_" + op.name() + ":"), "elementwise.cu has no case B_" + op.name() + " (BinaryOp." + op + ")");
    }

    @Test void noSwitchOnAnOpIdFallsThroughToItsInput() throws IOException {
        String src = Files.readString(CudaSourcesTest.DIR.resolve("elementwise.cu"));
        for (String line : src.lines().toList())
            if (line.contains("default:") && !line.contains("E_UNKNOWN_OP"))
                fail("elementwise.cu: a default case that does not report E_UNKNOWN_OP: " + line.trim());
    }

    @Test void everyKernelOfEveryFamilyIsDefinedInTheSources() throws IOException {
        Set<String> declared = CudaSourcesTest.expandMacros(CudaSourcesTest.all());
        for (KernelFamily f : KernelFamily.values())
            for (String k : f.instances())
                assertTrue(declared.contains(k), "KernelFamily." + f + " launches " + k + ", which no .cu file defines");
    }

    @Test void aFamilyRefusesADtypeItIsNotInstantiatedFor() {
        assertEquals("unary_dense_f32", KernelFamily.UNARY_DENSE.of(DType.FLOAT32));
        assertEquals("copy_bf16_f64", KernelFamily.COPY.of(DType.BFLOAT16, DType.FLOAT64));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> KernelFamily.UNARY.of(DType.BFLOAT16));
        assertTrue(e.getMessage().contains("unary_") && e.getMessage().contains(DType.BFLOAT16.toString()), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> KernelFamily.AVG_POOL2D.of(DType.INT64));
        assertThrows(IllegalArgumentException.class, () -> KernelFamily.WHERE.of(DType.FLOAT32));
    }

    @Test void deviceErrorCodesKeepTheirNumbers() {
        assertEquals(5, CudaOpIds.code(CudaOpIds.DeviceError.INT_DIV_ZERO));
        RuntimeException e = CudaErrorFlag.error(CudaOpIds.code(CudaOpIds.DeviceError.UNKNOWN_OP), 0, 42, "test");
        assertTrue(e instanceof IllegalStateException && e.getMessage().contains("op id 42"), e.getMessage());
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
