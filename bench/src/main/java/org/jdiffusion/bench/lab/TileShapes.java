package org.jdiffusion.bench.lab;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles tried for the GEMM micro-kernel, MR rows × NR vectors of C held in registers:
 * per step p, NR vector loads of B̃, MR broadcasts of Ã and MR·NR FMAs (FLOPs 2·MR·NR·L·kc per call).
 * Production uses 6 × 2 ({@code GemmKernel.kernel}); the others measured no better on Zen 4, and
 * 8 × 3 (24 accumulators + 3 + 1 of the 32 registers) worse (lab/README.md).
 */
public final class TileShapes {
    private TileShapes() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static final int L = S.length();

    /** C[0:6, 0:2·L] += Ã·B̃ with a 6 × 2-vector tile (12 accumulators). */
    public static void k6x2(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
        for (int p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += 6, bi += 2 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * L), b1 = FloatVector.fromArray(S, bp, bi + 1 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L)).intoArray(c, cOff + 0 * ldc + 0 * L); c01.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L)).intoArray(c, cOff + 0 * ldc + 1 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L)).intoArray(c, cOff + 1 * ldc + 0 * L); c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L)).intoArray(c, cOff + 1 * ldc + 1 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L)).intoArray(c, cOff + 2 * ldc + 0 * L); c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L)).intoArray(c, cOff + 2 * ldc + 1 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L)).intoArray(c, cOff + 3 * ldc + 0 * L); c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L)).intoArray(c, cOff + 3 * ldc + 1 * L);
        c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L)).intoArray(c, cOff + 4 * ldc + 0 * L); c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L)).intoArray(c, cOff + 4 * ldc + 1 * L);
        c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L)).intoArray(c, cOff + 5 * ldc + 0 * L); c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L)).intoArray(c, cOff + 5 * ldc + 1 * L);
    }

    /** C[0:8, 0:2·L] += Ã·B̃ with a 8 × 2-vector tile (16 accumulators). */
    public static void k8x2(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = FloatVector.zero(S);
        for (int p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += 8, bi += 2 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * L), b1 = FloatVector.fromArray(S, bp, bi + 1 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L)).intoArray(c, cOff + 0 * ldc + 0 * L); c01.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L)).intoArray(c, cOff + 0 * ldc + 1 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L)).intoArray(c, cOff + 1 * ldc + 0 * L); c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L)).intoArray(c, cOff + 1 * ldc + 1 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L)).intoArray(c, cOff + 2 * ldc + 0 * L); c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L)).intoArray(c, cOff + 2 * ldc + 1 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L)).intoArray(c, cOff + 3 * ldc + 0 * L); c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L)).intoArray(c, cOff + 3 * ldc + 1 * L);
        c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L)).intoArray(c, cOff + 4 * ldc + 0 * L); c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L)).intoArray(c, cOff + 4 * ldc + 1 * L);
        c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L)).intoArray(c, cOff + 5 * ldc + 0 * L); c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L)).intoArray(c, cOff + 5 * ldc + 1 * L);
        c60.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L)).intoArray(c, cOff + 6 * ldc + 0 * L); c61.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 1 * L)).intoArray(c, cOff + 6 * ldc + 1 * L);
        c70.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L)).intoArray(c, cOff + 7 * ldc + 0 * L); c71.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 1 * L)).intoArray(c, cOff + 7 * ldc + 1 * L);
    }

    /** C[0:4, 0:3·L] += Ã·B̃ with a 4 × 3-vector tile (12 accumulators). */
    public static void k4x3(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = FloatVector.zero(S);
        for (int p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += 4, bi += 3 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * L), b1 = FloatVector.fromArray(S, bp, bi + 1 * L), b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
        }
        c00.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L)).intoArray(c, cOff + 0 * ldc + 0 * L); c01.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L)).intoArray(c, cOff + 0 * ldc + 1 * L); c02.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 2 * L)).intoArray(c, cOff + 0 * ldc + 2 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L)).intoArray(c, cOff + 1 * ldc + 0 * L); c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L)).intoArray(c, cOff + 1 * ldc + 1 * L); c12.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 2 * L)).intoArray(c, cOff + 1 * ldc + 2 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L)).intoArray(c, cOff + 2 * ldc + 0 * L); c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L)).intoArray(c, cOff + 2 * ldc + 1 * L); c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L)).intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L)).intoArray(c, cOff + 3 * ldc + 0 * L); c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L)).intoArray(c, cOff + 3 * ldc + 1 * L); c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L)).intoArray(c, cOff + 3 * ldc + 2 * L);
    }

    /** C[0:8, 0:3·L] += Ã·B̃ with a 8 × 3-vector tile (24 accumulators). */
    public static void k8x3(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = c40 = c41 = c42 = c50 = c51 = c52 = c60 = c61 = c62 = c70 = c71 = c72 = FloatVector.zero(S);
        for (int p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += 8, bi += 3 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * L), b1 = FloatVector.fromArray(S, bp, bi + 1 * L), b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L)).intoArray(c, cOff + 0 * ldc + 0 * L); c01.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L)).intoArray(c, cOff + 0 * ldc + 1 * L); c02.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 2 * L)).intoArray(c, cOff + 0 * ldc + 2 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L)).intoArray(c, cOff + 1 * ldc + 0 * L); c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L)).intoArray(c, cOff + 1 * ldc + 1 * L); c12.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 2 * L)).intoArray(c, cOff + 1 * ldc + 2 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L)).intoArray(c, cOff + 2 * ldc + 0 * L); c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L)).intoArray(c, cOff + 2 * ldc + 1 * L); c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L)).intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L)).intoArray(c, cOff + 3 * ldc + 0 * L); c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L)).intoArray(c, cOff + 3 * ldc + 1 * L); c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L)).intoArray(c, cOff + 3 * ldc + 2 * L);
        c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L)).intoArray(c, cOff + 4 * ldc + 0 * L); c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L)).intoArray(c, cOff + 4 * ldc + 1 * L); c42.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * L)).intoArray(c, cOff + 4 * ldc + 2 * L);
        c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 0 * L)).intoArray(c, cOff + 5 * ldc + 0 * L); c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 1 * L)).intoArray(c, cOff + 5 * ldc + 1 * L); c52.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * L)).intoArray(c, cOff + 5 * ldc + 2 * L);
        c60.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 0 * L)).intoArray(c, cOff + 6 * ldc + 0 * L); c61.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 1 * L)).intoArray(c, cOff + 6 * ldc + 1 * L); c62.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 2 * L)).intoArray(c, cOff + 6 * ldc + 2 * L);
        c70.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 0 * L)).intoArray(c, cOff + 7 * ldc + 0 * L); c71.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 1 * L)).intoArray(c, cOff + 7 * ldc + 1 * L); c72.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 2 * L)).intoArray(c, cOff + 7 * ldc + 2 * L);
    }
}
