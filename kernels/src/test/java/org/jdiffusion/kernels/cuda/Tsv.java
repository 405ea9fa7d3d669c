package org.jdiffusion.kernels.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tab-separated file of the GPU report: lines starting with '#' are notes ("# key: value"), the
 * first other line names the columns, each further line is a row keyed by its first field. A
 * missing file reads as {@link #MISSING}: no notes, no rows, {@code present() == false}.
 */
record Tsv(boolean present, List<String> notes, List<String> columns, Map<String, Map<String, String>> rows) {
    static final Tsv MISSING = new Tsv(false, List.of(), List.of(), Map.of());

    static Tsv read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return MISSING;
        List<String> notes = new ArrayList<>();
        List<String> columns = null;
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            if (line.startsWith("#")) {
                notes.add(line.substring(1).strip());
                continue;
            }
            String[] f = line.split("\t", -1);
            if (columns == null) {
                columns = List.of(f);
                continue;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) row.put(columns.get(i), i < f.length ? f[i] : "");
            rows.put(f[0], row);     // a later row of one id (a resumed run) replaces the earlier
        }
        return new Tsv(true, notes, columns == null ? List.of() : columns, rows);
    }

    /** The value of the note "key: value", or null. */
    String note(String key) {
        for (String n : notes)
            if (n.startsWith(key + ":")) return n.substring(key.length() + 1).strip();
        return null;
    }
}
