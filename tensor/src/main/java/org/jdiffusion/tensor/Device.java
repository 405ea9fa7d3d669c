package org.jdiffusion.tensor;

/**
 * Where a tensor's storage lives: {@code cpu} or {@code cuda:N}. Parsed from and printed as the
 * usual strings. A device is only a name; its {@link Backend} is found through {@link Backends}.
 */
public record Device(Type type, int index) {
    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        if (type == Type.CPU && index != 0) throw new IllegalArgumentException("cpu has only index 0, got " + index);
    }

    public static Device cuda(int index) { return new Device(Type.CUDA, index); }

    /** Parses "cpu", "cuda" (= cuda:0) or "cuda:N". */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase();
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + s + "': expected cpu, cuda or cuda:N");
    }

    public boolean isCpu() { return type == Type.CPU; }

    @Override public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
