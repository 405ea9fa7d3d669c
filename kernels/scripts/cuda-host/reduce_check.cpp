// Runs reduce.cu (sum, max, min, argmax, argmin over a set of dims) under cuda_host.h's CPU
// emulation against float64 / exact int64 references, launched as CudaReductions.java does: kept
// and reduced dims coalesced and packed as CudaGeometry does, the plan of LaunchConfig.reduce (one
// thread per output with a grid-stride loop; one block per output; chunks of the reduced block
// with partials combined by reduce_finish). Cases: float32, float64 and int64 (exact sums of large
// values), every op, reductions over inner, outer and several non-adjacent dims of permuted views,
// over every dim, ties (the first index wins) and NaN (propagates; argmax/argmin take the first
// NaN), an empty reduced block. Outputs and partials live in guarded storage: nothing outside
// them may change.
//
// Shape legend: x [dims...]; out has x's rank with the reduced dims of size 1 (nOut elements);
// each output reduces nInner elements, indexed row-major over the reduced dims.
// Bytes moved: irrelevant here (emulation).
#include "cuda_host.h"
#include "reduce.cu"
#include "host_check.h"

// ---- LaunchConfig.reduce ---------------------------------------------------------------------------

struct Plan { bool perThread; int chunks, chunkLen, gridX, gridY, block; };

static Plan plan(int nOut, int nInner, int smCount) {
    int sms = std::max(1, smCount);
    if (nInner <= 32 && nOut >= sms * 64) return {true, 1, nInner, elementwiseBlocks(nOut, sms), 1, ELEMENTWISE_BLOCK};
    int block = rowBlock(nInner);
    long wantBlocks = (long)sms * BLOCKS_PER_SM;
    int chunks = 1;
    if (nOut < wantBlocks && nInner > block * 16) {
        long byWork = (nInner + block * 16L - 1) / (block * 16L), byOcc = (wantBlocks + nOut - 1) / nOut;
        chunks = (int)std::max(1L, std::min(std::min(byWork, byOcc), 1024L));
    }
    int chunkLen = (int)((nInner + (long)chunks - 1) / chunks);
    chunks = std::max(1, (int)((nInner + (long)chunkLen - 1) / std::max(1, chunkLen)));
    if (chunks > 1) block = rowBlock(chunkLen);
    return {false, chunks, std::max(1, chunkLen), std::max(1, nOut), chunks, block};
}

static const char* opName(int op) { static const char* n[] = {"sum", "max", "min", "argmax", "argmin"}; return n[op]; }

// the reference over one reduced block: value (sum, max, min) or first index of the max/min; NaN wins
static void reference(int op, const std::vector<double>& v, double& value, long& index, double& mag) {
    value = op == R_SUM ? 0 : op == R_MAX || op == R_ARGMAX ? -INFINITY : INFINITY;
    index = -1;
    mag = 0;
    for (size_t j = 0; j < v.size(); ++j) {
        mag += std::fabs(v[j]);
        if (op == R_SUM) { value += v[j]; continue; }
        if (std::isnan(value)) continue;
        bool better = std::isnan(v[j]) || (op == R_MAX || op == R_ARGMAX ? v[j] > value : v[j] < value) || index < 0;
        if (better) { value = v[j]; index = (long)j; }
    }
}

template <typename T>
static void run(int op, const std::vector<int>& shape, const std::vector<int>& xSt, const std::vector<int>& dims, int sms, int values,
                double rtol) {
    typedef typename Acc<T>::type A;
    int r = (int)shape.size();
    std::vector<bool> red(r, false);
    for (int d : dims) red[d] = true;
    std::vector<int> outShape(shape);
    for (int d : dims) outShape[d] = 1;
    // x: values 0 normal, 1 quarters (ties), 2 normal with NaN at a few places; int64: large integers
    View<T> x(shape, xSt);
    std::vector<double> xv(x.n());
    for (long i = 0; i < x.n(); ++i) {
        if constexpr (std::is_integral_v<T>) xv[i] = (double)(long long)(normal() * (values == 1 ? 3 : 1e12));
        else xv[i] = values == 1 ? std::round(normal() * 4) / 4 : normal();
        if (values == 2 && i % 97 == 13) xv[i] = NAN;
    }
    x.set(xv);
    xv = x.values();
    bool arg = op == R_ARGMAX || op == R_ARGMIN;
    View<T> out(outShape, contiguous(outShape));
    View<i64> outIdx(outShape, contiguous(outShape));
    // CudaReductions.reduce: kept dims (x, out strides), reduced dims (x strides)
    std::vector<int> keptShape, keptX, keptOut, redShape, redX;
    for (int d = 0; d < r; ++d) {
        if (red[d]) { redShape.push_back(shape[d]); redX.push_back(xSt[d]); }
        else { keptShape.push_back(shape[d]); keptX.push_back(xSt[d]); keptOut.push_back(out.strides[d]); }
    }
    int nOut = (int)numel(keptShape), nInner = (int)numel(redShape);
    Geom<2> outer = geom<2>(keptShape, {keptX, keptOut});
    Geom<1> inner = geom<1>(redShape, {redX});
    T* outPtr = arg ? nullptr : out.ptr();
    i64* idxPtr = arg ? outIdx.ptr() : nullptr;
    Plan pl = plan(nOut, nInner, sms);
    int parts = nOut * pl.chunks;
    Storage<A> pv(parts, 0);
    Storage<i64> pi(parts, 0);
    int err = 0;   // the device error flag: a valid op id leaves it 0
    if (pl.perThread) {
        jdhost::launch((unsigned)pl.gridX, pl.block, [&] {
            if constexpr (sizeof(T) == 4) reduce_thread_f32(op, outer, nOut, inner, nInner, x.ptr(), outPtr, idxPtr, &err);
            else if constexpr (std::is_integral_v<T>) reduce_thread_i64(op, outer, nOut, inner, nInner, x.ptr(), outPtr, idxPtr, &err);
            else reduce_thread_f64(op, outer, nOut, inner, nInner, x.ptr(), outPtr, idxPtr, &err);
        });
    } else {
        A* pvp = pl.chunks > 1 ? pv.data() : nullptr;
        i64* pip = pl.chunks > 1 ? pi.data() : nullptr;
        jdhost::launch(jd_dim3{(unsigned)pl.gridX, (unsigned)pl.gridY, 1}, pl.block, [&] {
            if constexpr (sizeof(T) == 4) reduce_f32(op, outer, inner, nInner, pl.chunkLen, x.ptr(), outPtr, idxPtr, pvp, pip, &err);
            else if constexpr (std::is_integral_v<T>) reduce_i64(op, outer, inner, nInner, pl.chunkLen, x.ptr(), outPtr, idxPtr, pvp, pip, &err);
            else reduce_f64(op, outer, inner, nInner, pl.chunkLen, x.ptr(), outPtr, idxPtr, pvp, pip, &err);
        });
        if (pl.chunks > 1)
            jdhost::launch((unsigned)nOut, rowBlock(pl.chunks * 4L), [&] {
                if constexpr (sizeof(T) == 4) reduce_finish_f32(op, outer, pl.chunks, pvp, pip, outPtr, idxPtr, &err);
                else if constexpr (std::is_integral_v<T>) reduce_finish_i64(op, outer, pl.chunks, pvp, pip, outPtr, idxPtr, &err);
                else reduce_finish_f64(op, outer, pl.chunks, pvp, pip, outPtr, idxPtr, &err);
            });
    }
    std::string cas = std::string(opName(op)) + (std::is_integral_v<T> ? " i64" : sizeof(T) == 4 ? " f32" : " f64") + " x " + str(shape) +
                      (xSt == contiguous(shape) ? "" : " strides " + str(xSt)) + " dims " + str(dims) + (values == 1 ? " ties" : values == 2 ? " NaN" : "") +
                      " sms" + std::to_string(sms) + (pl.perThread ? " thread-per-output grid" + std::to_string(pl.gridX)
                                                                     : " block" + std::to_string(pl.block) + " chunks" + std::to_string(pl.chunks));
    int before = failures;
    if (err != 0 && failures++ < 10) std::fprintf(stderr, "%s: the device error flag was set (%d) for a valid op\n", cas.c_str(), err);
    // reference: output o (row-major over the kept dims) reduces the reduced dims row-major
    std::vector<int> xs = contiguous(shape);
    for (int o = 0; o < nOut; ++o) {
        long base = 0, rest = o;
        for (int d = r - 1; d >= 0; --d) if (!red[d]) { base += (rest % shape[d]) * xs[d]; rest /= shape[d]; }
        std::vector<double> v(nInner);
        for (int j = 0; j < nInner; ++j) {
            long i = base, rj = j;
            for (int d = r - 1; d >= 0; --d) if (red[d]) { i += (rj % shape[d]) * xs[d]; rj /= shape[d]; }
            v[j] = xv[i];
        }
        double want, mag;
        long idx;
        reference(op, v, want, idx, mag);
        bool ok;
        if (arg) ok = near(cas, "index", o, (double)idx, (double)outIdx.st[outIdx.at(o)], 0);
        else if (std::isnan(want)) ok = std::isnan(out.get(o)) || near(cas, "value", o, want, out.get(o), 0);
        else if constexpr (std::is_integral_v<T>) {  // exact: compare as integers (every value below 2^53)
            long long e = 0, got = out.st[out.at(o)];
            for (double d : v) e += (long long)d;
            if (op != R_SUM) e = (long long)want;
            ok = near(cas, "value", o, (double)e, (double)got, 0) && e == got;
        } else ok = near(cas, "value", o, want, out.get(o), rtol * mag);
        if (!ok) break;
    }
    int bad = (arg ? out.st.untouchedOutside({}) : out.st.untouchedOutside(out.offsets())) +
              (arg ? outIdx.st.untouchedOutside(outIdx.offsets()) : outIdx.st.untouchedOutside({}));
    std::vector<long> partsWritten(pl.chunks > 1 ? parts : 0);
    for (size_t k = 0; k < partsWritten.size(); ++k) partsWritten[k] = (long)k;
    bad += pv.untouchedOutside(partsWritten) + pi.untouchedOutside(partsWritten);
    if (bad && failures++ < 10) std::fprintf(stderr, "%s: %d elements outside the output (and partials) written\n", cas.c_str(), bad);
    std::printf("%s %s\n", failures > before ? "FAIL" : "ok  ", cas.c_str());
}

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::string(argv[1]) == "quick";  // five cases, for trying a change
    const double fr = 1e-5, dr = 1e-12;
    const int H200 = 132;
    auto C = contiguous;
    for (int op = 0; op < 5; ++op) run<float>(op, {6, 1000}, C({6, 1000}), {1}, H200, 1, fr);  // one block per output, ties
    if (quick) { std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures); return failures ? 1 : 0; }
    for (int op = 0; op < 5; ++op) {
        run<double>(op, {2, 70000}, C({2, 70000}), {1}, H200, 0, dr);                           // 5 chunks of 14000, reduce_finish
        run<float>(op, {3, 40000}, permutedStrides({3, 40000}, {1, 0}), {1}, H200, 2, fr);      // chunks, strided, NaN
        run<float>(op, {20000, 3}, C({20000, 3}), {1}, 1, 1, fr);                              // thread per output, grid-stride loop
        run<double>(op, {30, 9000}, permutedStrides({30, 9000}, {1, 0}), {0}, H200, 2, dr);    // thread per output over the outer dim
        run<double>(op, {4, 6, 50}, permutedStrides({4, 6, 50}, {2, 0, 1}, {0, 1, 0}), {0, 2}, H200, 1, dr);  // non-adjacent dims
        run<float>(op, {3, 5, 7}, C({3, 5, 7}), {0, 1, 2}, H200, 0, fr);                       // every dim: one output
        run<i64>(op, {4, 33, 20}, C({4, 33, 20}), {1, 2}, H200, op == R_SUM ? 0 : 1, 0);
    }
    run<i64>(R_SUM, {2, 50000}, C({2, 50000}), {1}, H200, 0, 0);                               // exact int64 sums over chunks
    run<double>(R_SUM, {3, 0, 4}, C({3, 0, 4}), {1}, H200, 0, dr);                              // empty reduced block: 0
    std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
