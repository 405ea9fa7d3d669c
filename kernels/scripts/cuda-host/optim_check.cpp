// Runs optim.cu's adam_step and ema_update under cuda_host.h's CPU emulation against float64
// references (AdamHyper's and Backend.emaUpdate's definitions), launched as CudaOptim.java does:
// one launch per 64 non-empty positions of a dtype, the TensorTable packed as its int array, one
// block of 256 threads per chunk, the chunk length from the whole call's element count and the SM
// count. Cases: lengths that are not multiples of 4 or of the chunk (tails, several chunks per
// position: the binary search over chunk_start), empty positions, every address 16-byte aligned
// (the float4 / double2 path) or one operand of one position misaligned (its scalar path), L2 and
// decoupled weight decay, float32 and float64, 150 positions (three launches). Every operand lives
// in guarded storage: nothing outside a position may change, and the gradient / parameter that are
// only read must keep their bits.
//
// Shape legend: position i is a flat run of len[i] elements per operand (Adam: p, g, m, v; EMA: s, p).
// Bytes moved: irrelevant here (emulation).
#include "cuda_host.h"
#include "optim.cu"
#include "host_check.h"

// ---- CudaOptim.java ------------------------------------------------------------------------------

static const int MAX_TENSORS = 64, BLOCK = 256, CHUNK_QUANTUM = 1024, MAX_CHUNK = 1 << 16;

static int chunkLength(long total, int sms) {
    long want = total / std::max(1L, 8L * sms);
    long q = (want + CHUNK_QUANTUM - 1) / CHUNK_QUANTUM * CHUNK_QUANTUM;
    return (int)std::max((long)CHUNK_QUANTUM, std::min((long)MAX_CHUNK, q));
}

struct Entry { std::vector<uint64_t> addr; int len; };

// CudaOptim.table: u64 addr[D][64] as (lo, hi) ints, int len[64], int chunk_start[65], int count
template <int D> static TensorTable<D> table(const std::vector<Entry>& entries, int chunk, int& blocksOut) {
    static_assert(sizeof(TensorTable<D>) == sizeof(int) * (2 * D * MAX_TENSORS + MAX_TENSORS + MAX_TENSORS + 1 + 1), "packed layout");
    std::vector<int> p(2 * D * MAX_TENSORS + MAX_TENSORS + MAX_TENSORS + 1 + 1, 0);
    int lenAt = 2 * D * MAX_TENSORS, startAt = lenAt + MAX_TENSORS, countAt = startAt + MAX_TENSORS + 1;
    long blocks = 0;
    for (size_t i = 0; i < entries.size(); i++) {
        const Entry& e = entries[i];
        for (int d = 0; d < D; d++) {
            p[2 * (d * MAX_TENSORS + i)] = (int)(uint32_t)e.addr[d];
            p[2 * (d * MAX_TENSORS + i) + 1] = (int)(uint32_t)(e.addr[d] >> 32);
        }
        p[lenAt + i] = e.len;
        p[startAt + i] = (int)blocks;
        blocks += (e.len + (long)chunk - 1) / chunk;
    }
    p[startAt + entries.size()] = (int)blocks;
    p[countAt] = (int)entries.size();
    TensorTable<D> t;
    std::memcpy(&t, p.data(), sizeof t);
    blocksOut = (int)blocks;
    return t;
}

// CudaOptim.launchAll: the non-empty positions, 64 per launch; kernel(table, chunk) runs one launch
template <int D, typename X, typename K>
static int launchAll(std::vector<std::vector<Storage<X>>>& ops, int sms, K kernel) {
    std::vector<size_t> rows;
    long total = 0;
    for (size_t i = 0; i < ops.size(); ++i)
        if (ops[i][0].size > 0) { rows.push_back(i); total += ops[i][0].size; }
    int chunk = chunkLength(total, sms), launches = 0;
    for (size_t from = 0; from < rows.size(); from += MAX_TENSORS) {
        std::vector<Entry> entries;
        for (size_t r = from; r < std::min(rows.size(), from + MAX_TENSORS); ++r) {
            Entry e{std::vector<uint64_t>(D), ops[rows[r]][0].size};
            for (int d = 0; d < D; ++d) e.addr[d] = (uint64_t)(uintptr_t)ops[rows[r]][d].data();
            entries.push_back(e);
        }
        int blocks;
        TensorTable<D> t = table<D>(entries, chunk, blocks);
        jdhost::launch((unsigned)blocks, BLOCK, [&] { kernel(t, chunk); });
        ++launches;
    }
    return launches;
}

// ---- one case --------------------------------------------------------------------------------------

enum Misalign { ALIGNED, ONE, RANDOM };  // every address 16-byte aligned; operand 2 of position 3 off by one element; ~1/5 of operands off

template <typename X, int D>
static std::vector<std::vector<Storage<X>>> operands(const std::vector<int>& lens, Misalign mis, int& vectorPositions) {
    std::vector<std::vector<Storage<X>>> ops;
    vectorPositions = 0;
    for (size_t i = 0; i < lens.size(); ++i) {
        std::vector<Storage<X>> row;
        bool aligned = true;
        for (int d = 0; d < D; ++d) {
            int off = mis == ONE ? (i == 3 && d == D / 2 ? 1 : 0) : mis == RANDOM ? (rng() % 5 == 0 ? 1 + (int)(rng() % 3) : 0) : 0;
            row.emplace_back(lens[i], off);
            aligned = aligned && aligned16(row.back().data());
        }
        if (lens[i] > 0 && aligned) ++vectorPositions;
        ops.push_back(std::move(row));
    }
    return ops;
}

static std::vector<int> randomLens(int n, int maxLen) {
    std::vector<int> l(n);
    for (auto& x : l) x = (int)(rng() % (unsigned)(maxLen + 1));
    return l;
}

static std::string describe(const char* op, int bytes, const std::vector<int>& lens, bool decoupled, int sms, int vec, int launches) {
    long total = 0;
    int nonEmpty = 0;
    for (int l : lens) { total += l; nonEmpty += l > 0; }
    int chunk = chunkLength(total, sms);
    std::string s = std::string(op) + (bytes == 4 ? " f32" : " f64") + (decoupled ? " decoupled" : "");
    s += " positions " + std::to_string(lens.size()) + (lens.size() <= 12 ? " " + str(lens) : " (" + std::to_string(total) + " elements)");
    return s + " sms" + std::to_string(sms) + " chunk" + std::to_string(chunk) + " vector " + std::to_string(vec) + "/" +
           std::to_string(nonEmpty) + " launches " + std::to_string(launches);
}

// every operand of every position: nothing outside its elements was written
template <typename X>
static void outsideUntouched(const std::string& cas, std::vector<std::vector<Storage<X>>>& ops) {
    for (size_t i = 0; i < ops.size(); ++i)
        for (size_t d = 0; d < ops[i].size(); ++d) {
            std::vector<long> all(ops[i][d].size);
            for (long e = 0; e < (long)all.size(); ++e) all[e] = e;
            int bad = ops[i][d].untouchedOutside(all);
            if (bad && failures++ < 10) std::fprintf(stderr, "%s: position %zu operand %zu: %d elements outside it written\n", cas.c_str(), i, d, bad);
        }
}

template <typename X>
static void adam(const std::vector<int>& lens, bool decoupled, Misalign mis, int sms, double rtol) {
    int vec;
    auto ops = operands<X, 4>(lens, mis, vec);
    std::vector<std::vector<std::vector<double>>> before(lens.size());  // [position][operand][element]
    for (size_t i = 0; i < lens.size(); ++i) {
        before[i].assign(4, std::vector<double>(lens[i]));
        for (int e = 0; e < lens[i]; ++e) {
            double init[4] = {normal(), normal(), 0.1 * normal(), uniform(1e-4, 1e-2)};
            for (int d = 0; d < 4; ++d) { ops[i][d][e] = (X)init[d]; before[i][d][e] = (double)ops[i][d][e]; }
        }
    }
    // AdamHyper(lr 0.01, beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.1, decoupled, step 3), each cast to X as CudaOptim passes it
    double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    long step = 3;
    X a[7] = {(X)(decoupled ? 1 - lr * wd : 1.0), (X)(decoupled ? 0.0 : wd), (X)b1, (X)b2, (X)(lr / (1 - std::pow(b1, step))),
              (X)std::sqrt(1 - std::pow(b2, step)), (X)eps};
    int launches = launchAll<4, X>(ops, sms, [&](const TensorTable<4>& t, int chunk) {
        if constexpr (sizeof(X) == 4) adam_step_f32(t, chunk, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
        else adam_step_f64(t, chunk, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    });
    std::string cas = describe("adam", sizeof(X), lens, decoupled, sms, vec, launches);
    int before_ = failures;
    outsideUntouched(cas, ops);
    double decay = a[0], l2 = a[1], B1 = a[2], B2 = a[3], ss = a[4], b2s = a[5], ep = a[6];
    for (size_t i = 0; i < lens.size(); ++i) {
        for (int e = 0; e < lens[i]; ++e) {
            double p = before[i][0][e], g = before[i][1][e], m = before[i][2][e], v = before[i][3][e];
            double gp = l2 != 0 ? g + l2 * p : g, pp = l2 != 0 ? p : decay * p;
            double m2 = B1 * m + (1 - B1) * gp, v2 = B2 * v + (1 - B2) * gp * gp;
            double upd = ss * m2 / (std::sqrt(v2) / b2s + ep), p2 = pp - upd;
            double gmag = std::fabs(g) + std::fabs(l2 * p);
            bool ok = near(cas, "m", e, m2, ops[i][2][e], rtol * (std::fabs(B1 * m) + (1 - B1) * gmag)) &&
                      near(cas, "v", e, v2, ops[i][3][e], rtol * (B2 * v + (1 - B2) * gmag * gmag)) &&
                      near(cas, "p", e, p2, ops[i][0][e], rtol * (std::fabs(pp) + std::fabs(upd))) &&
                      near(cas, "g (read only)", e, g, ops[i][1][e], 0);
            if (!ok) break;
        }
    }
    std::printf("%s %s\n", failures > before_ ? "FAIL" : "ok  ", cas.c_str());
}

template <typename X>
static void ema(const std::vector<int>& lens, Misalign mis, int sms, double rtol) {
    int vec;
    auto ops = operands<X, 2>(lens, mis, vec);
    std::vector<std::vector<std::vector<double>>> before(lens.size());
    for (size_t i = 0; i < lens.size(); ++i) {
        before[i].assign(2, std::vector<double>(lens[i]));
        for (int e = 0; e < lens[i]; ++e)
            for (int d = 0; d < 2; ++d) { ops[i][d][e] = (X)normal(); before[i][d][e] = (double)ops[i][d][e]; }
    }
    double decay = 0.95;
    X d = (X)decay, c = (X)(1 - decay);  // CudaOptim.emaUpdate: (decay, 1 - decay) in the dtype
    int launches = launchAll<2, X>(ops, sms, [&](const TensorTable<2>& t, int chunk) {
        if constexpr (sizeof(X) == 4) ema_update_f32(t, chunk, d, c);
        else ema_update_f64(t, chunk, d, c);
    });
    std::string cas = describe("ema", sizeof(X), lens, false, sms, vec, launches);
    int before_ = failures;
    outsideUntouched(cas, ops);
    for (size_t i = 0; i < lens.size(); ++i) {
        for (int e = 0; e < lens[i]; ++e) {
            double s = before[i][0][e], p = before[i][1][e], D = d, C = c;
            bool ok = near(cas, "shadow", e, D * s + C * p, ops[i][0][e], rtol * (std::fabs(D * s) + std::fabs(C * p))) &&
                      near(cas, "param (read only)", e, p, ops[i][1][e], 0);
            if (!ok) break;
        }
    }
    std::printf("%s %s\n", failures > before_ ? "FAIL" : "ok  ", cas.c_str());
}

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::string(argv[1]) == "quick";  // two cases, for trying a change
    const double fr = 1e-5, dr = 1e-12;
    const int H200 = 132;  // SMs: every chunk is the minimum 1024 for these sizes
    std::vector<int> mixed = {1, 3, 1023, 1024, 1025, 4099, 0, 2051, 17, 6000};
    adam<float>(mixed, false, ALIGNED, H200, fr);
    ema<float>(mixed, ONE, H200, fr);
    if (quick) { std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures); return failures ? 1 : 0; }
    adam<float>(mixed, true, ONE, H200, fr);
    adam<double>(mixed, false, ONE, H200, dr);
    adam<double>(mixed, true, ALIGNED, H200, dr);
    adam<float>({70001, 40000, 0, 9999}, true, ALIGNED, 1, fr);  // one SM: chunks of 15360, a tail in each position
    adam<double>({70001, 5, 40003, 3001}, false, ONE, 2, dr);  // position 3: m misaligned
    adam<float>(randomLens(150, 700), false, RANDOM, H200, fr);  // three launches of <= 64 positions
    adam<double>(randomLens(150, 700), true, RANDOM, H200, dr);
    ema<float>(mixed, ALIGNED, H200, fr);
    ema<double>(mixed, ONE, H200, dr);
    ema<double>({70001, 0, 40000, 9999}, ALIGNED, 1, dr);
    ema<float>(randomLens(150, 700), RANDOM, H200, fr);
    ema<double>(randomLens(130, 300), ALIGNED, H200, dr);
    std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
