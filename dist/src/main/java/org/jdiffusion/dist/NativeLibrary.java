package org.jdiffusion.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A system library opened through Java's Foreign Function &amp; Memory API, found in a fixed order:
 * the path in an environment variable (which must then exist), the dynamic loader's own search
 * (LD_LIBRARY_PATH, the ldconfig cache), then known install folders. It is opened with
 * {@code dlopen(RTLD_NOW | RTLD_GLOBAL)} first, because Open MPI's plug-ins resolve symbols of
 * libmpi itself; a library that is nowhere is one error naming every place looked at and the
 * package that provides it.
 */
public final class NativeLibrary {
    private static final int RTLD_NOW = 0x2, RTLD_GLOBAL = 0x100;

    private final String what;
    private final Path path;
    private final SymbolLookup lookup;

    private NativeLibrary(String what, Path path, SymbolLookup lookup) {
        this.what = what;
        this.path = path;
        this.lookup = lookup;
    }

    /** Where a library may be, and what to say when it is in none of those places. */
    public record Search(String what, String envVar, String envValue, List<String> sonames, List<Path> folders, String install) {
        /** Every place looked at, in order, for the error message and for tests. */
        public List<String> places() {
            List<String> p = new ArrayList<>();
            if (envValue != null && !envValue.isBlank()) p.add(envValue + " (" + envVar + ")");
            for (String s : sonames) p.add(s + " (the dynamic loader's path)");
            for (Path f : folders) for (String s : sonames) p.add(f.resolve(s).toString());
            return p;
        }

        /** The one-line error when the library is nowhere. */
        public String notFound() {
            return what + ": cannot find " + String.join(" or ", sonames) + "; looked in " + String.join(", ", places())
                    + ". " + install + ", or set " + envVar + "=/path/to/" + sonames.getFirst();
        }
    }

    /** Opens the first candidate of {@code s} that loads; an IllegalStateException naming the package otherwise. */
    public static NativeLibrary open(Search s) {
        if (s.envValue() != null && !s.envValue().isBlank()) {
            Path p = Path.of(s.envValue());
            if (!Files.isRegularFile(p))
                throw new IllegalStateException(s.what() + ": " + s.envVar() + "=" + s.envValue() + " is not a file. " + s.install());
            return load(s.what(), p.toString()).orElseThrow(() -> new IllegalStateException(
                    s.what() + ": " + s.envVar() + "=" + s.envValue() + " exists but does not load (wrong architecture or missing dependencies; try ldd on it)"));
        }
        for (String soname : s.sonames()) {
            Optional<NativeLibrary> l = load(s.what(), soname);
            if (l.isPresent()) return l.get();
        }
        for (Path folder : s.folders())
            for (String soname : s.sonames()) {
                Path p = folder.resolve(soname);
                if (Files.isRegularFile(p)) {
                    Optional<NativeLibrary> l = load(s.what(), p.toString());
                    if (l.isPresent()) return l.get();
                }
            }
        throw new IllegalStateException(s.notFound());
    }

    private static Optional<NativeLibrary> load(String what, String nameOrPath) {
        Linker linker = Linker.nativeLinker();
        MethodHandle dlopen = linker.downcallHandle(linker.defaultLookup().find("dlopen").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) dlopen.invokeExact(a.allocateFrom(nameOrPath), RTLD_NOW | RTLD_GLOBAL);
            if (h.address() == 0) return Optional.empty();
        } catch (Throwable t) {
            return Optional.empty();
        }
        // the handle above stays open for the life of the process (the library is never unloaded)
        SymbolLookup lookup = SymbolLookup.libraryLookup(nameOrPath, Arena.global());
        return Optional.of(new NativeLibrary(what, Path.of(nameOrPath), lookup));
    }

    /** The file name or path the library was opened by. */
    public Path path() { return path; }

    /** The address of symbol {@code name}; an error naming the library when it lacks it (an old version). */
    public MemorySegment symbol(String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException(
                what + ": " + path + " has no symbol " + name + " (too old a version?)"));
    }

    /** A downcall handle to function {@code name}. */
    public MethodHandle function(String name, FunctionDescriptor fd) {
        return Linker.nativeLinker().downcallHandle(symbol(name), fd);
    }
}
