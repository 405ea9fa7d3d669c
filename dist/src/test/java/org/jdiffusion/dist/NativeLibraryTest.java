package org.jdiffusion.dist;

import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Library discovery and its errors, the communicator choice, and the one-process communicator. */
class NativeLibraryTest {
    @TempDir Path dir;

    @Test void aMissingNcclNamesEveryPlaceAndThePackage() {
        Path wheel = dir.resolve("site-packages/nvidia/nccl/lib");
        NativeLibrary.Search s = Nccl.search(null, List.of(wheel));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeLibrary.open(s));
        assertTrue(e.getMessage().startsWith("NCCL: cannot find libnccl.so.2; looked in libnccl.so.2 (the dynamic loader's path), " + wheel.resolve("libnccl.so.2")),
                e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install libnccl2") && e.getMessage().contains("pip install nvidia-nccl-cu12")
                && e.getMessage().contains("JDIFFUSION_NCCL=/path/to/libnccl.so.2"), e.getMessage());
    }

    @Test void anEnvironmentPathThatIsNotAFileIsAnError() {
        NativeLibrary.Search s = Mpi.search(dir.resolve("nope.so").toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeLibrary.open(s));
        assertTrue(e.getMessage().contains("JDIFFUSION_MPI_LIB=" + dir.resolve("nope.so") + " is not a file")
                && e.getMessage().contains("apt-get install openmpi-bin libopenmpi-dev"), e.getMessage());
    }

    @Test void aFileThatIsNotALibrarySaysSo() throws Exception {
        Path junk = Files.writeString(dir.resolve("libnccl.so.2"), "not an ELF file");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeLibrary.open(Nccl.search(junk.toString(), List.of())));
        assertTrue(e.getMessage().contains("exists but does not load"), e.getMessage());
        // found in a folder but unloadable: the search goes on and ends in the not-found message
        e = assertThrows(IllegalStateException.class, () -> NativeLibrary.open(Nccl.search(null, List.of(dir))));
        assertTrue(e.getMessage().startsWith("NCCL: cannot find"), e.getMessage());
    }

    @Test void pythonWheelFoldersAreSearched() {
        assertTrue(Nccl.pythonLibFolders().stream().allMatch(p -> p.endsWith("nvidia/nccl/lib") || p.endsWith("torch/lib")));
    }

    @Test void autoPicksByLauncherAndDevice() {
        Map<String, String> two = Map.of("OMPI_COMM_WORLD_SIZE", "2");
        assertEquals(Communicators.Kind.LOCAL, Communicators.resolve(Communicators.Kind.AUTO, Device.CPU, Map.of()));
        assertEquals(Communicators.Kind.MPI, Communicators.resolve(Communicators.Kind.AUTO, Device.CPU, two));
        assertEquals(Communicators.Kind.NCCL, Communicators.resolve(Communicators.Kind.AUTO, Device.cuda(0), two));
        assertEquals(Communicators.Kind.MPI, Communicators.resolve(Communicators.Kind.AUTO, Device.CPU, Map.of("PMI_SIZE", "4")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Communicators.resolve(Communicators.Kind.LOCAL, Device.CPU, two));
        assertTrue(e.getMessage().contains("would train 2 independent copies"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Communicators.resolve(Communicators.Kind.NCCL, Device.CPU, Map.of()));
        assertTrue(e.getMessage().contains("--comm nccl needs --device cuda"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Communicators.Kind.parse("gloo"));
        assertTrue(e.getMessage().contains("expected auto, local, mpi or nccl"), e.getMessage());
    }

    @Test void timeoutFromTheEnvironment() {
        assertEquals(300, Communicators.timeoutSeconds(Map.of()));
        assertEquals(2.5, Communicators.timeoutSeconds(Map.of(Communicators.TIMEOUT_ENV, "2.5")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Communicators.timeoutSeconds(Map.of(Communicators.TIMEOUT_ENV, "-1")));
        assertTrue(e.getMessage().contains("JDIFFUSION_COLLECTIVE_TIMEOUT=-1: expected a number of seconds > 0"), e.getMessage());
    }

    @Test void localCommunicatorIsTheIdentity() {
        LocalCommunicator c = new LocalCommunicator();
        Tensor t = Tensor.of(new float[]{1, 2}, 2);
        c.allReduceSum(t);
        assertEquals(3.0, c.allReduceSum(3.0));
        assertEquals(2f, t.toFloatArray()[1]);
        assertThrows(IllegalArgumentException.class, () -> c.broadcast(t, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.allReduceSum(Tensor.ofLongs(new long[]{1}, 1)));
        assertTrue(e.getMessage().contains("needs a float32 or float64 tensor"), e.getMessage());
    }
}
