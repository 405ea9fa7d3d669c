package org.jdiffusion.samples.eval;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The guidance weights of the guidance sweep (w = 0 unconditional, 1 conditional, > 1 guided; Ho
 * and Salimans' w is our w − 1), from a comma-separated flag value.
 */
public final class GuidanceList {
    private GuidanceList() {}

    public static final String DEFAULT_LIST = "0,1,2,3,5";

    public static List<Double> parse(String list) {
        List<Double> out = new ArrayList<>();
        for (String e : list.split(",", -1)) {
            String s = e.trim();
            double w;
            try {
                w = Double.parseDouble(s);
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("guidance weight '" + s + "' is not a number (expected a list such as 0,1,2,3,5)");
            }
            if (!Double.isFinite(w) || w < 0) throw new IllegalArgumentException("guidance weight " + s + " must be a finite number >= 0");
            out.add(w);
        }
        if (new LinkedHashSet<>(out).size() != out.size()) throw new IllegalArgumentException("guidance list '" + list + "' names a weight twice");
        return out;
    }
}
