package org.jdiffusion.nn.unet;

import org.jdiffusion.nn.io.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a time-embedded U-Net. {@link #mnistSmall()} is the reference network of
 * {@code spec/unet-mnist.md} (1,624,577 parameters). {@code numClasses} 0 means unconditional;
 * otherwise the class embedding has numClasses + 1 rows, the last being the "no class" id used by
 * classifier-free guidance. {@code learnedVariance} doubles the output channels (mean and the
 * variance interpolation of the hybrid objective). Attention resolutions are feature-map sizes.
 */
public record UNetConfig(int inChannels, int imageSize, int baseChannels, List<Integer> channelMults, int numResBlocks,
                         List<Integer> attentionResolutions, int heads, double dropout, int numClasses, int timeEmbDim,
                         int groups, boolean learnedVariance) {

    public UNetConfig {
        channelMults = List.copyOf(channelMults);
        attentionResolutions = List.copyOf(attentionResolutions);
        List<String> bad = new ArrayList<>();
        if (inChannels < 1) bad.add("inChannels must be >= 1");
        if (baseChannels < 2 || baseChannels % 2 != 0) bad.add("baseChannels must be even and >= 2 (time features are base wide)");
        if (channelMults.isEmpty()) bad.add("channelMults must not be empty");
        for (int m : channelMults) if (m < 1) bad.add("channel multipliers must be >= 1");
        if (numResBlocks < 1) bad.add("numResBlocks must be >= 1");
        if (heads < 1) bad.add("heads must be >= 1");
        if (!(dropout >= 0 && dropout < 1)) bad.add("dropout must be in [0, 1)");
        if (numClasses < 0) bad.add("numClasses must be >= 0");
        if (timeEmbDim < 1) bad.add("timeEmbDim must be >= 1");
        if (groups < 1) bad.add("groups must be >= 1");
        int down = 1 << Math.max(0, channelMults.size() - 1);
        if (imageSize < 1 || imageSize % down != 0)
            bad.add("imageSize " + imageSize + " must be divisible by 2^(levels-1) = " + down);
        if (baseChannels >= 1 && groups >= 1 && heads >= 1) {
            for (int m : channelMults) {
                int c = baseChannels * m;
                if (c % groups != 0) bad.add("channels " + c + " not divisible by groups " + groups);
                if (c % heads != 0 && attentionResolutions.size() > 0) bad.add("channels " + c + " not divisible by heads " + heads);
            }
            if (baseChannels % groups != 0) bad.add("base channels " + baseChannels + " not divisible by groups " + groups);
        }
        // far above any trained network, so that no config a file declares can make a size overflow
        if (inChannels > MAX_WIDTH || baseChannels > MAX_WIDTH || timeEmbDim > MAX_WIDTH) bad.add("widths must be <= " + MAX_WIDTH);
        for (int m : channelMults) if ((long) baseChannels * m > MAX_WIDTH) bad.add("channels base x multiplier must be <= " + MAX_WIDTH);
        if (channelMults.size() > 16 || numResBlocks > 1024) bad.add("at most 16 levels of at most 1024 blocks");
        if (numClasses > MAX_WIDTH) bad.add("numClasses must be <= " + MAX_WIDTH);
        if (imageSize > MAX_WIDTH) bad.add("imageSize must be <= " + MAX_WIDTH);
        if (!bad.isEmpty()) throw new IllegalArgumentException("UNetConfig: " + String.join("; ", bad));
    }

    /** The largest channel count, image size, embedding width or class count a config may name. */
    public static final int MAX_WIDTH = 1 << 20;

    /** The reference "mnist-small" network. */
    public static UNetConfig mnistSmall() {
        return new UNetConfig(1, 28, 32, List.of(1, 2, 2), 2, List.of(7), 4, 0.1, 10, 128, 8, false);
    }

    /**
     * The number of parameters {@link UNet} builds for this config, computed without building it
     * (the same walk over levels as UNet's constructor), so a checkpoint's config can be checked
     * against the tensors the file holds before anything that size is allocated. Saturates at
     * Long.MAX_VALUE.
     */
    public long parameterCount() {
        long base = baseChannels, te = timeEmbDim;
        long n = base * te + te + te * te + te;                           // temb: Linear(base, te), Linear(te, te)
        if (numClasses > 0) n = add(n, ((long) numClasses + 1) * te);     // cemb
        n = add(n, conv(inChannels, base, 3));                            // inp
        java.util.ArrayDeque<Long> skips = new java.util.ArrayDeque<>();
        skips.push(base);
        long ch = base;
        int res = imageSize;
        for (int l = 0; l < channelMults.size(); l++) {
            long co = base * channelMults.get(l);
            for (int r = 0; r < numResBlocks; r++) {
                n = add(n, resBlock(ch, co, te));
                ch = co;
                if (attentionResolutions.contains(res)) n = add(n, attention(ch));
                skips.push(ch);
            }
            if (l < channelMults.size() - 1) {
                n = add(n, conv(ch, ch, 3));
                skips.push(ch);
                res /= 2;
            }
        }
        n = add(n, add(add(resBlock(ch, ch, te), resBlock(ch, ch, te)), attention(ch)));   // mid
        for (int l = channelMults.size() - 1; l >= 0; l--) {
            long co = base * channelMults.get(l);
            for (int r = 0; r <= numResBlocks; r++) {
                n = add(n, resBlock(ch + skips.pop(), co, te));
                ch = co;
                if (attentionResolutions.contains(res)) n = add(n, attention(ch));
            }
            if (l > 0) {
                n = add(n, conv(ch, ch, 3));
                res *= 2;
            }
        }
        return add(n, add(2 * ch, conv(ch, outChannels(), 3)));         // out: GroupNorm, conv
    }

    private static long conv(long cin, long cout, int k) { return add(mul(mul(cin, cout), (long) k * k), cout); }

    /** GroupNorm, conv 3x3, time Linear, GroupNorm, conv 3x3, and a 1x1 skip when the widths differ. */
    private static long resBlock(long cin, long cout, long te) {
        long n = add(add(2 * cin, conv(cin, cout, 3)), add(add(mul(te, cout), cout), add(2 * cout, conv(cout, cout, 3))));
        return cin != cout ? add(n, conv(cin, cout, 1)) : n;
    }

    /** GroupNorm, qkv 1x1 (c → 3c), output 1x1. */
    private static long attention(long c) { return add(add(2 * c, conv(c, 3 * c, 1)), conv(c, c, 1)); }

    private static long add(long a, long b) { long s = a + b; return s < 0 ? Long.MAX_VALUE : s; }

    private static long mul(long a, long b) { return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b; }

    public int outChannels() { return learnedVariance ? 2 * inChannels : inChannels; }

    /** The class id meaning "no class" (numClasses), or -1 when unconditional. */
    public int nullClass() { return numClasses > 0 ? numClasses : -1; }

    public UNetConfig withLearnedVariance(boolean on) {
        return new UNetConfig(inChannels, imageSize, baseChannels, channelMults, numResBlocks, attentionResolutions, heads, dropout,
                numClasses, timeEmbDim, groups, on);
    }

    public UNetConfig withNumClasses(int n) {
        return new UNetConfig(inChannels, imageSize, baseChannels, channelMults, numResBlocks, attentionResolutions, heads, dropout,
                n, timeEmbDim, groups, learnedVariance);
    }

    public UNetConfig withDropout(double p) {
        return new UNetConfig(inChannels, imageSize, baseChannels, channelMults, numResBlocks, attentionResolutions, heads, p,
                numClasses, timeEmbDim, groups, learnedVariance);
    }

    // ---- JSON (stored in checkpoint metadata) -------------------------------------------------

    public String toJson() {
        return "{\"in_channels\":" + inChannels + ",\"image_size\":" + imageSize + ",\"base_channels\":" + baseChannels
                + ",\"channel_mults\":" + channelMults.toString().replace(" ", "") + ",\"num_res_blocks\":" + numResBlocks
                + ",\"attention_resolutions\":" + attentionResolutions.toString().replace(" ", "") + ",\"heads\":" + heads
                + ",\"dropout\":" + dropout + ",\"num_classes\":" + numClasses + ",\"time_emb_dim\":" + timeEmbDim
                + ",\"groups\":" + groups + ",\"learned_variance\":" + learnedVariance + "}";
    }

    /** Parses {@link #toJson()}'s form; every key is required and no other is allowed. */
    public static UNetConfig fromJson(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> m)) throw new IllegalArgumentException("UNetConfig.fromJson: expected a JSON object, got " + json);
        Map<String, Object> o = new LinkedHashMap<>();
        m.forEach((k, v) -> o.put((String) k, v));
        List<String> keys = List.of("in_channels", "image_size", "base_channels", "channel_mults", "num_res_blocks",
                "attention_resolutions", "heads", "dropout", "num_classes", "time_emb_dim", "groups", "learned_variance");
        for (String k : o.keySet()) if (!keys.contains(k)) throw new IllegalArgumentException("UNetConfig.fromJson: unknown key \"" + k + "\"");
        for (String k : keys) if (!o.containsKey(k)) throw new IllegalArgumentException("UNetConfig.fromJson: missing key \"" + k + "\"");
        return new UNetConfig(integer(o, "in_channels"), integer(o, "image_size"), integer(o, "base_channels"),
                integers(o, "channel_mults"), integer(o, "num_res_blocks"), integers(o, "attention_resolutions"), integer(o, "heads"),
                number(o, "dropout"), integer(o, "num_classes"), integer(o, "time_emb_dim"), integer(o, "groups"),
                bool(o, "learned_variance"));
    }

    private static int integer(Map<String, Object> o, String k) {
        if (o.get(k) instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
        throw new IllegalArgumentException("UNetConfig.fromJson: \"" + k + "\" must be an integer, got " + o.get(k));
    }

    private static double number(Map<String, Object> o, String k) {
        if (o.get(k) instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("UNetConfig.fromJson: \"" + k + "\" must be a number, got " + o.get(k));
    }

    private static boolean bool(Map<String, Object> o, String k) {
        if (o.get(k) instanceof Boolean b) return b;
        throw new IllegalArgumentException("UNetConfig.fromJson: \"" + k + "\" must be true or false, got " + o.get(k));
    }

    private static List<Integer> integers(Map<String, Object> o, String k) {
        if (!(o.get(k) instanceof List<?> l)) throw new IllegalArgumentException("UNetConfig.fromJson: \"" + k + "\" must be an array, got " + o.get(k));
        List<Integer> r = new ArrayList<>();
        for (Object x : l) {
            if (!(x instanceof Long v) || v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)
                throw new IllegalArgumentException("UNetConfig.fromJson: \"" + k + "\" must hold integers, got " + l);
            r.add(v.intValue());
        }
        return r;
    }
}
