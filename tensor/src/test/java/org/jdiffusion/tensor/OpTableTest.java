package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The op table against the Backend interface it declares, and OPS.md against its rendering. */
class OpTableTest {
    static final Path OPS_MD = Path.of("../OPS.md");

    @Test void everyBackendMethodIsDeclaredExactlyOnce() {
        Set<String> declared = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods())
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) declared.add(m.getName());
        List<String> inTable = new ArrayList<>();
        for (OpTable.Entry e : OpTable.ENTRIES) inTable.addAll(e.methods());
        Set<String> once = new TreeSet<>(inTable);
        assertEquals(inTable.size(), once.size(), "a Backend method sits in two rows of OpTable: " + inTable);
        Set<String> missing = new TreeSet<>(declared), stale = new TreeSet<>(once);
        missing.removeAll(once);
        stale.removeAll(declared);
        assertTrue(missing.isEmpty(), "Backend methods OpTable does not declare (add a row or a name to OpTable.ENTRIES, then "
                + "./scripts/gen-ops): " + missing);
        assertTrue(stale.isEmpty(), "OpTable declares methods Backend does not have: " + stale);
    }

    @Test void everyRowNamesItsReferenceKernelAndCudaCode() {
        for (OpTable.Entry e : OpTable.ENTRIES) {
            assertTrue(!e.reference().names().isEmpty(), e.methods() + " names no CPU reference");
            assertTrue(!e.cuda().names().isEmpty(), e.methods() + " names no CUDA code");
        }
    }

    @Test void opsMdIsTheRenderingOfTheTable() throws IOException {
        String want = OpTable.markdown();
        String have = Files.exists(OPS_MD) ? Files.readString(OPS_MD, StandardCharsets.UTF_8) : "";
        if (!want.equals(have))
            fail("OPS.md is stale: it is generated from OpTable, UnaryOp and BinaryOp; run ./scripts/gen-ops (first differing line: "
                    + firstDifference(want, have) + ")");
    }

    @Test void theRenderingListsEveryPointwiseOp() {
        String md = OpTable.markdown();
        for (UnaryOp op : UnaryOp.values()) assertTrue(md.contains("| " + op.opName() + " | "), op.opName());
        for (BinaryOp op : BinaryOp.values()) assertTrue(md.contains("| " + op.opName() + " | "), op.opName());
    }

    @Test void pointwiseDeclarationsAreConsistent() {
        for (UnaryOp op : UnaryOp.values()) {
            if (op.backwardRule() != null) assertTrue(op.backwardRule().matches("[a-z][A-Za-z0-9]*"), op + ": " + op.backwardRule());
            if (!op.needsFloating()) assertEquals(op.apply(-3.0), (double) op.applyLong(-3), op + " on int64 and float64 of -3");
        }
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1), y = b.split("\n", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "<end>", q = i < y.length ? y[i] : "<end>";
            if (!p.equals(q)) return (i + 1) + ": want \"" + p + "\", file has \"" + q + "\"";
        }
        return "none";
    }
}
