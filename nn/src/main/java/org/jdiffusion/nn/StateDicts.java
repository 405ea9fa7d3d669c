package org.jdiffusion.nn;

import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * State-dict helpers: strict loading into a module (every problem in one error), and moving a
 * dict under or out from a name prefix ({@code model.}, {@code ema.}) as checkpoints store them.
 */
public final class StateDicts {
    private StateDicts() {}

    static void load(Module m, Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> expected = m.stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), wrong = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Tensor got = state.get(e.getKey());
            if (got == null) {
                missing.add(e.getKey());
                continue;
            }
            Tensor want = e.getValue();
            if (!Arrays.equals(got.shape(), want.shape()))
                wrong.add(e.getKey() + ": expected shape " + Shapes.str(want.shape()) + ", got " + Shapes.str(got.shape()));
            else if (got.dtype().isFloating() != want.dtype().isFloating())
                wrong.add(e.getKey() + ": expected a" + (want.dtype().isFloating() ? " floating" : "n integer") + " dtype like "
                        + want.dtype() + ", got " + got.dtype());
        }
        for (String k : state.keySet()) if (!expected.containsKey(k)) unexpected.add(k);
        boolean bad = !wrong.isEmpty() || strict && (!missing.isEmpty() || !unexpected.isEmpty());
        if (bad) {
            StringBuilder b = new StringBuilder("loadStateDict into " + m.getClass().getSimpleName() + ": ");
            if (strict) b.append(missing.size()).append(" missing, ").append(unexpected.size()).append(" unexpected, ");
            b.append(wrong.size()).append(" mismatched");
            if (strict && !missing.isEmpty()) b.append("\n  missing: ").append(String.join(", ", missing));
            if (strict && !unexpected.isEmpty()) b.append("\n  unexpected: ").append(String.join(", ", unexpected));
            for (String w : wrong) b.append("\n  mismatched ").append(w);
            throw new IllegalArgumentException(b.toString());
        }
        for (var e : expected.keySet()) {
            Tensor got = state.get(e);
            if (got != null) m.assign(e, got);
        }
    }

    /** The entries whose names start with {@code prefix}, with the prefix removed. */
    public static Map<String, Tensor> stripPrefix(Map<String, Tensor> state, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : state.entrySet())
            if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }

    /** Every entry with {@code prefix} put before its name. */
    public static Map<String, Tensor> addPrefix(Map<String, Tensor> state, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : state.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        return out;
    }

    /** Whether any name starts with {@code prefix}. */
    public static boolean hasPrefix(Map<String, ?> state, String prefix) {
        for (String k : state.keySet()) if (k.startsWith(prefix)) return true;
        return false;
    }
}
