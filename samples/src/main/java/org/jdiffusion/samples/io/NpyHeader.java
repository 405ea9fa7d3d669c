package org.jdiffusion.samples.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a {@code .npy} file: a Python dict literal with exactly the keys {@code descr}
 * (a dtype string), {@code fortran_order} (True/False) and {@code shape} (a tuple of ints),
 * followed only by padding spaces and a newline.
 */
record NpyHeader(NpyArray.Type type, int[] shape) {

    static NpyHeader parse(String name, String text) {
        return new Parser(name, text).header();
    }

    private static final class Parser {
        private final String name, s;
        private int i;

        Parser(String name, String s) { this.name = name; this.s = s; }

        private NpyException error(String what) {
            String shown = s.strip();
            if (shown.length() > 120) shown = shown.substring(0, 120) + "...";
            return new NpyException(name + ": malformed .npy header: " + what + " at character " + i + " in " + shown);
        }

        private void ws() { while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) i++; }

        private boolean eat(char c) {
            ws();
            if (i < s.length() && s.charAt(i) == c) { i++; return true; }
            return false;
        }

        private void expect(char c) { if (!eat(c)) throw error("expected '" + c + "'"); }

        private String string() {
            ws();
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) throw error("expected a quoted string");
            char q = s.charAt(i++);
            int start = i;
            while (i < s.length() && s.charAt(i) != q) i++;
            if (i >= s.length()) throw error("unterminated string");
            return s.substring(start, i++);
        }

        private Object value() {
            ws();
            if (i < s.length() && (s.charAt(i) == '\'' || s.charAt(i) == '"')) return string();
            if (s.startsWith("True", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("False", i)) { i += 5; return Boolean.FALSE; }
            if (eat('(')) {
                List<Integer> dims = new ArrayList<>();
                while (!eat(')')) {
                    ws();
                    int start = i;
                    while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                    if (i < s.length() && s.charAt(i) == 'L') i++;      // Python 2's long suffix
                    String num = s.substring(start, i).replace("L", "");
                    if (num.isEmpty()) throw error("expected a non-negative integer in the shape tuple");
                    try {
                        dims.add(Integer.parseInt(num));
                    } catch (NumberFormatException e) {
                        throw error("dimension " + num + " is larger than 2^31-1");
                    }
                    if (!eat(',')) { expect(')'); break; }
                }
                return dims;
            }
            throw error("expected a string, True, False or a tuple");
        }

        NpyHeader header() {
            expect('{');
            Map<String, Object> m = new HashMap<>();
            while (!eat('}')) {
                String key = string();
                expect(':');
                if (m.put(key, value()) != null) throw error("duplicate key '" + key + "'");
                if (!eat(',')) { expect('}'); break; }
            }
            ws();
            if (i != s.length()) throw error("unexpected text after the dict");
            for (String k : m.keySet())
                if (!k.equals("descr") && !k.equals("fortran_order") && !k.equals("shape"))
                    throw new NpyException(name + ": .npy header has an unexpected key '" + k + "' (expected descr, fortran_order, shape)");
            if (!(m.get("descr") instanceof String descr)) throw new NpyException(name + ": .npy header needs 'descr' as a string");
            if (!(m.get("fortran_order") instanceof Boolean fortran)) throw new NpyException(name + ": .npy header needs 'fortran_order' as True or False");
            if (!(m.get("shape") instanceof List<?> dims)) throw new NpyException(name + ": .npy header needs 'shape' as a tuple of integers");
            if (fortran) throw new NpyException(name + ": Fortran-order arrays are not supported (expected fortran_order False, C order)");
            int[] shape = new int[dims.size()];
            for (int k = 0; k < shape.length; k++) shape[k] = (Integer) dims.get(k);
            return new NpyHeader(type(descr), shape);
        }

        private NpyArray.Type type(String descr) {
            switch (descr) {
                case "|u1", "<u1", "u1" -> { return NpyArray.Type.U1; }
                case "<i8" -> { return NpyArray.Type.I8; }
                case "<f4" -> { return NpyArray.Type.F4; }
                case "<f8" -> { return NpyArray.Type.F8; }
                default -> {
                    String why = descr.startsWith(">") ? "big-endian data is not supported" : "unsupported dtype";
                    throw new NpyException(name + ": " + why + " '" + descr + "' (expected |u1, <i8, <f4 or <f8)");
                }
            }
        }
    }
}
