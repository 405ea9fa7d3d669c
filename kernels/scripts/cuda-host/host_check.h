// What the memory-bound kernel checks share: random inputs, guarded device buffers, the tolerance
// test, and the host side of a launch as the Java CUDA backend computes it (CudaGeometry's
// coalescing and Geom<N> packing, LaunchConfig's row and reduction sizing), ported line for line so
// a check launches the configurations the program does.
//
// Shape legend: a Buf holds n logical elements at device offsets given by its own strides, with
// guard elements around its storage; CGeom sizes/strides are outermost first, Geom<N> innermost first.
// Bytes moved: irrelevant here (emulation).
#ifndef JD_HOST_CHECK_H
#define JD_HOST_CHECK_H

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

inline std::mt19937_64 rng(12345);
inline double normal() { static std::normal_distribution<double> n(0, 1); return n(rng); }
inline double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
inline int failures = 0;

// |e - a| <= tol, reported with the case and the logical index (first 10 failures).
inline bool near(const std::string& cas, const char* what, long idx, double e, double a, double tol) {
    bool ok = (e == a) || std::fabs(e - a) <= tol;
    if (!ok && failures++ < 10)
        std::fprintf(stderr, "%s %s: [%ld] expected %.12g got %.12g (tolerance %.3g)\n", cas.c_str(), what, idx, e, a, tol);
    return ok;
}

// Device storage of `size` elements starting `offset` elements into an allocation whose every
// other element (the guards around it, and the holes of a strided view) holds a sentinel.
template <typename X> struct Storage {
    static constexpr int GUARD = 16;
    std::vector<X> mem;
    int offset, size;
    Storage(int size, int offset) : mem((size_t)size + offset + 2 * GUARD), offset(offset), size(size) {
        for (auto& x : mem) x = sentinel();
    }
    // finite, so a write of a value computed from it (NaN would keep its payload) shows
    static X sentinel() {
        if constexpr (std::is_integral_v<X>) return X(-777777777777LL);
        else return X(-7.77e29);
    }
    X* data() { return mem.data() + GUARD + offset; }
    X& operator[](long i) { return data()[i]; }
    bool isSentinel(size_t k) const { X s = sentinel(); return std::memcmp(&mem[k], &s, sizeof(X)) == 0; }
    // every element outside `written` (device offsets from data()) still holds the sentinel
    int untouchedOutside(const std::vector<long>& written) const {
        std::vector<char> in(mem.size(), 0);
        for (long w : written) in[(size_t)(w + GUARD + offset)] = 1;
        int bad = 0;
        for (size_t k = 0; k < mem.size(); ++k) if (!in[k] && !isSentinel(k)) ++bad;
        return bad;
    }
};

// ---- CudaGeometry.java ---------------------------------------------------------------------------

struct CGeom {
    std::vector<int> sizes;                 // outermost first
    std::vector<std::vector<int>> strides;  // [operand][dim]
};

// CudaGeometry.of: drops size-1 dims and merges a dim into the inner kept one where every operand is contiguous across them
inline CGeom geometryOf(const std::vector<int>& shape, const std::vector<std::vector<int>>& st) {
    int n = (int)st.size(), r = (int)shape.size(), k = 0;
    std::vector<int> sz(r);
    std::vector<std::vector<int>> ks(n, std::vector<int>(r));
    for (int d = r - 1; d >= 0; d--) {
        if (shape[d] == 1) continue;
        if (k > 0) {
            bool merge = shape[d] > 0;
            for (int j = 0; j < n; j++) if ((long)st[j][d] != (long)ks[j][k - 1] * sz[k - 1]) merge = false;
            if (merge) { sz[k - 1] *= shape[d]; continue; }
        }
        sz[k] = shape[d];
        for (int j = 0; j < n; j++) ks[j][k] = st[j][d];
        k++;
    }
    CGeom g{std::vector<int>(k), std::vector<std::vector<int>>(n, std::vector<int>(k))};
    for (int i = 0; i < k; i++) {
        g.sizes[i] = sz[k - 1 - i];
        for (int j = 0; j < n; j++) g.strides[j][i] = ks[j][k - 1 - i];
    }
    return g;
}

// CudaGeometry.pack: int[1 + 8 + 8*N], dims innermost first, reinterpreted as common.cuh's Geom<N>
template <int N> inline Geom<N> pack(const CGeom& g) {
    static_assert(sizeof(Geom<N>) == sizeof(int) * (1 + JD_MAX_DIMS + JD_MAX_DIMS * N), "Geom<N> is the packed int array");
    int r = (int)g.sizes.size();
    if ((int)g.strides.size() != N || r > JD_MAX_DIMS) { std::fprintf(stderr, "pack: bad geometry\n"); std::abort(); }
    std::vector<int> p(1 + JD_MAX_DIMS + JD_MAX_DIMS * N, 0);
    p[0] = r;
    for (int k = 0; k < JD_MAX_DIMS; k++) p[1 + k] = k < r ? g.sizes[r - 1 - k] : 1;
    for (int k = 0; k < r; k++)
        for (int j = 0; j < N; j++) p[1 + JD_MAX_DIMS + k * N + j] = g.strides[j][r - 1 - k];
    Geom<N> out;
    std::memcpy(&out, p.data(), sizeof out);
    return out;
}

template <int N> inline Geom<N> geom(const std::vector<int>& shape, const std::vector<std::vector<int>>& st) {
    return pack<N>(geometryOf(shape, st));
}

// ---- LaunchConfig.java ---------------------------------------------------------------------------

inline const int ELEMENTWISE_BLOCK = 256, BLOCKS_PER_SM = 8;

// threads for one block on a row of d elements: about four elements each, a power of two in 32..1024
inline int rowBlock(long d) {
    long want = std::max(1L, (d + 3) / 4), p = 1;
    while (p * 2 <= want) p *= 2;
    if (p < want) p <<= 1;
    return (int)std::max(32L, std::min(1024L, p));
}

inline int elementwiseBlocks(long n, int sms) {
    long blocks = std::max(1L, (n + ELEMENTWISE_BLOCK - 1) / ELEMENTWISE_BLOCK), cap = (long)std::max(1, sms) * BLOCKS_PER_SM * 4;
    return (int)std::min(blocks, cap);
}

// ---- tensors -------------------------------------------------------------------------------------

inline long numel(const std::vector<int>& shape) { long n = 1; for (int s : shape) n *= s; return n; }
inline std::vector<int> contiguous(const std::vector<int>& shape) {
    std::vector<int> st(shape.size());
    int s = 1;
    for (int d = (int)shape.size() - 1; d >= 0; --d) { st[d] = s; s *= std::max(1, shape[d]); }
    return st;
}
// the device offset of row-major logical index i of a view with these strides
inline long offsetOf(const std::vector<int>& shape, const std::vector<int>& st, long i) {
    long off = 0;
    for (int d = (int)shape.size() - 1; d >= 0; --d) { off += (i % shape[d]) * st[d]; i /= shape[d]; }
    return off;
}
// the storage a view needs (max offset + 1)
inline int extentOf(const std::vector<int>& shape, const std::vector<int>& st) {
    long e = 0;
    for (size_t d = 0; d < shape.size(); ++d) if (shape[d] > 0) e += (long)(shape[d] - 1) * std::abs(st[d]);
    return (int)e + 1;
}
inline std::string str(const std::vector<int>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s + "]";
}

// A tensor view over guarded storage: logical values (row-major) written through its strides.
template <typename X> struct View {
    std::vector<int> shape, strides;
    Storage<X> st;
    View(std::vector<int> shape, std::vector<int> strides, int offset = 0)
        : shape(shape), strides(strides), st(extentOf(shape, strides), offset) {}
    long n() const { return numel(shape); }
    long at(long i) const { return offsetOf(shape, strides, i); }
    X* ptr() { return st.data(); }
    double get(long i) { return (double)st[at(i)]; }
    void set(const std::vector<double>& v) { for (long i = 0; i < n(); ++i) st[at(i)] = (X)v[i]; }
    std::vector<double> values() { std::vector<double> v(n()); for (long i = 0; i < n(); ++i) v[i] = get(i); return v; }
    std::vector<long> offsets() const { std::vector<long> o(n()); for (long i = 0; i < n(); ++i) o[i] = at(i); return o; }
    int stride(int d) const { return strides[d]; }
};

// a view of `shape` whose storage is the permutation `order` (outermost first) of its dims,
// optionally padded: dim d's storage extent is shape[d] + pad[d]
inline std::vector<int> permutedStrides(const std::vector<int>& shape, const std::vector<int>& order, const std::vector<int>& pad = {}) {
    std::vector<int> st(shape.size());
    int s = 1;
    for (int k = (int)order.size() - 1; k >= 0; --k) {
        int d = order[k];
        st[d] = s;
        s *= std::max(1, shape[d] + (pad.empty() ? 0 : pad[d]));
    }
    return st;
}

#endif
