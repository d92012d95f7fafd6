using System;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// Single-precision matrix product on row-major spans: <c>C = op(A) * op(B)</c> (or <c>C += ...</c>),
    /// with <c>op(A)</c> of size m x k and <c>op(B)</c> of size k x n. A transposed operand is stored as its
    /// transpose: A as k x m when <c>transposeA</c>, B as n x k when <c>transposeB</c>.
    /// </summary>
    /// <remarks>
    /// Large products use a packed, cache-blocked algorithm in the style of Goto and BLIS: B is packed
    /// into <c>kc x NR</c> micro-panels and A into <c>MR x kc</c> micro-panels (transposition is absorbed by
    /// the packing), and a register-blocked FMA micro-kernel for the current <see cref="KernelDispatch.Level"/>
    /// computes each <c>MR x NR</c> tile of C. Products above a size threshold are shared with up to
    /// <see cref="KernelDispatch.MaxDegreeOfParallelism"/> threads (<see cref="GemmWorkers"/>: blocks of C, each thread
    /// packing the rows of A and columns of B it needs); a long sum into a small C is split by depth at every degree
    /// (<see cref="GemmDepthSplit"/>), so its result never depends on the thread count. Tiny products and single rows
    /// take a direct loop. Pack buffers are kept per thread (a pool helper's are sized by the thread that starts the
    /// job, or by the helper itself for a product it runs inside a chunk of samples), so no call allocates after warm-up.
    /// </remarks>
    public static class Gemm
    {
        /// <summary>Products with at most this many multiply-adds (m*n*k) take the direct, unpacked path.</summary>
        internal const long DirectThreshold = 8 * 1024;

        /// <summary>Products with at least this many multiply-adds may be split over several threads.</summary>
        internal const long ParallelThreshold = 1L << 22;

        /// <summary>Computes <c>C (m x n) = op(A) * op(B)</c>, or adds it to C when <paramref name="accumulate"/> is true.</summary>
        public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
            ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate = false)
        {
            Guard.Positive(m, nameof(m));
            Guard.Positive(n, nameof(n));
            Guard.Positive(k, nameof(k));
            Guard.AtLeast(a.Length, (long)m * k, nameof(a));
            Guard.AtLeast(b.Length, (long)k * n, nameof(b));
            Guard.AtLeast(c.Length, (long)m * n, nameof(c));
            MultiplyUnchecked(transposeA, transposeB, m, n, k, a, b, c, accumulate);
        }

        internal static unsafe void MultiplyUnchecked(bool transposeA, bool transposeB, int m, int n, int k,
            ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
        {
            SimdLevel level = KernelDispatch.Level;
            int degree = ParallelBlocks.Degree;
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                var problem = new GemmProblem(transposeA, transposeB, m, n, k, pa, pb, pc, accumulate);
                Path path = PathFor(transposeA, transposeB, m, n, k, accumulate, degree);
                switch (path)
                {
                    case Path.Direct:
                        GemmDirect.Run(level, problem);
                        return;
                    case Path.FewRows:
                        GemmFewRows.Run(m, n, k, pa, pb, null, pc);
                        return;
                    case Path.DepthSplit:
                        GemmDepthSplit.Run(problem, MicroKernel.For(level));
                        return;
                }

                var kernel = MicroKernel.For(level);
                if (path == Path.SharedByBlocks)
                {
                    // Size this thread's buffers for the whole product first, so falling back to running it alone (the pool
                    // is busy or backing off) never grows them after warm-up.
                    GemmBlocked.Reserve(problem, kernel, GemmBuffers.ForCurrentThread);
                    if (GemmWorkers.TryRun(problem, kernel, degree))
                    {
                        return;
                    }
                }

                GemmBlocked.Run(problem, kernel, GemmBuffers.ForCurrentThread, 0, m, 0, n);
            }
        }

        /// <summary>The ways a product is computed, in the order <see cref="PathFor"/> tries them.</summary>
        private enum Path
        {
            /// <summary>Tiny products and single rows: the direct, unpacked loop.</summary>
            Direct,

            /// <summary>A few rows, no transposes: the register tiles reading B in place (<see cref="GemmFewRows"/>).</summary>
            FewRows,

            /// <summary>A long sum into a small C: split by depth at every degree (<see cref="GemmDepthSplit"/>).</summary>
            DepthSplit,

            /// <summary>Large enough to share among threads by blocks of C (<see cref="GemmWorkers"/>), at a degree above 1.</summary>
            SharedByBlocks,

            /// <summary>The packed product on the calling thread.</summary>
            Blocked,
        }

        /// <summary>How <see cref="MultiplyUnchecked"/> computes a product of this shape at <paramref name="degree"/> (also
        /// how <see cref="MultiplyPairUnchecked"/> tells whether both of its products would be shared by blocks).</summary>
        private static Path PathFor(bool transposeA, bool transposeB, int m, int n, int k, bool accumulate, int degree)
        {
            long work = (long)m * n * k;
            if (m == 1 || work <= DirectThreshold) return Path.Direct;
            if (!transposeA && !transposeB && !accumulate && GemmFewRows.Applies(m, n, k)) return Path.FewRows;
            if (work >= ParallelThreshold && GemmDepthSplit.Applies(m, n, k)) return Path.DepthSplit;
            return degree > 1 && work >= ParallelThreshold ? Path.SharedByBlocks : Path.Blocked;
        }

        /// <summary>
        /// Two independent products, <c>C1 = op(A1) op(B1)</c> and <c>C2 = op(A2) op(B2)</c> (a layer's weight and input
        /// gradients), as one job of the pool when both would be shared among threads by blocks of C: the threads then go
        /// from the first product's blocks to the second's without waiting for each other in between. Otherwise (one
        /// thread, or either product takes another path) one after the other. Each result is the one
        /// <see cref="MultiplyUnchecked"/> gives for that product alone, bit for bit.
        /// </summary>
        internal static unsafe void MultiplyPairUnchecked(
            bool transposeA1, bool transposeB1, int m1, int n1, int k1, ReadOnlySpan<float> a1, ReadOnlySpan<float> b1, Span<float> c1,
            bool transposeA2, bool transposeB2, int m2, int n2, int k2, ReadOnlySpan<float> a2, ReadOnlySpan<float> b2, Span<float> c2)
        {
            int degree = ParallelBlocks.Degree;
            if (PathFor(transposeA1, transposeB1, m1, n1, k1, false, degree) == Path.SharedByBlocks
                && PathFor(transposeA2, transposeB2, m2, n2, k2, false, degree) == Path.SharedByBlocks)
            {
                fixed (float* pa1 = a1)
                fixed (float* pb1 = b1)
                fixed (float* pc1 = c1)
                fixed (float* pa2 = a2)
                fixed (float* pb2 = b2)
                fixed (float* pc2 = c2)
                {
                    var first = new GemmProblem(transposeA1, transposeB1, m1, n1, k1, pa1, pb1, pc1, false);
                    var second = new GemmProblem(transposeA2, transposeB2, m2, n2, k2, pa2, pb2, pc2, false);
                    var kernel = MicroKernel.For(KernelDispatch.Level);
                    // As in MultiplyUnchecked: this thread's buffers fit either product before the pool is asked.
                    GemmBuffers own = GemmBuffers.ForCurrentThread;
                    GemmBlocked.Reserve(first, kernel, own);
                    GemmBlocked.Reserve(second, kernel, own);
                    if (GemmWorkers.TryRunPair(first, second, kernel, degree))
                    {
                        return;
                    }
                }
            }

            MultiplyUnchecked(transposeA1, transposeB1, m1, n1, k1, a1, b1, c1, accumulate: false);
            MultiplyUnchecked(transposeA2, transposeB2, m2, n2, k2, a2, b2, c2, accumulate: false);
        }

        /// <summary>Grows <paramref name="buffers"/> to what a product of this shape run on one thread needs (for jobs whose
        /// blocks run products inline on pool helpers; see <see cref="IBlockJob.Prepare"/>).</summary>
        internal static unsafe void Reserve(GemmBuffers buffers, int m, int n, int k)
        {
            if (m == 1 || (long)m * n * k <= DirectThreshold) return;
            var problem = new GemmProblem(false, false, m, n, k, null, null, null, false);
            GemmBlocked.Reserve(problem, MicroKernel.For(KernelDispatch.Level), buffers);
        }
    }

    /// <summary>One product's operands as raw pointers (the caller keeps them pinned for the duration).</summary>
    internal readonly unsafe struct GemmProblem
    {
        public readonly bool TransA, TransB, Accumulate;
        public readonly int M, N, K;
        public readonly float* A, B, C;

        public GemmProblem(bool transA, bool transB, int m, int n, int k, float* a, float* b, float* c, bool accumulate)
        {
            TransA = transA; TransB = transB; M = m; N = n; K = k; A = a; B = b; C = c; Accumulate = accumulate;
        }
    }

    /// <summary>A micro-kernel and its tile shape.</summary>
    internal readonly unsafe struct MicroKernel
    {
        public readonly int MR, NR;
        public readonly delegate*<int, float*, float*, float*, int, bool, void> Run;

        /// <summary>
        /// Optional kernel for a last column panel at most <see cref="EdgeWidth"/> wide: (kc, a, b, b stride, c, ldc, add,
        /// rows, cols); it computes only <see cref="EdgeWidth"/> columns and writes the partial tile straight into C.
        /// </summary>
        public readonly delegate*<int, float*, float*, int, float*, int, bool, int, int, void> Edge;

        /// <summary>Columns <see cref="Edge"/> computes (0 when there is no edge kernel).</summary>
        public readonly int EdgeWidth;

        /// <summary>
        /// Optional kernel for a last row panel at most <see cref="ShortRows"/> high: (kc, a, a stride, b, c, ldc, add, rows,
        /// cols); it computes only <see cref="ShortRows"/> rows of a full-width tile and writes the partial tile straight into C.
        /// </summary>
        public readonly delegate*<int, float*, int, float*, float*, int, bool, int, int, void> Short;

        /// <summary>Rows <see cref="Short"/> computes (0 when there is no such kernel).</summary>
        public readonly int ShortRows;

        private MicroKernel(int mr, int nr, delegate*<int, float*, float*, float*, int, bool, void> run,
            delegate*<int, float*, float*, int, float*, int, bool, int, int, void> edge = null, int edgeWidth = 0,
            delegate*<int, float*, int, float*, float*, int, bool, int, int, void> shortRows = null, int shortHeight = 0)
        {
            MR = mr; NR = nr; Run = run; Edge = edge; EdgeWidth = edgeWidth; Short = shortRows; ShortRows = shortHeight;
        }

        /// <summary>Largest tile any kernel uses, in floats (edge tiles are computed into a buffer this big).</summary>
        public const int MaxTile = 12 * 64;

        public static MicroKernel For(SimdLevel level) => level switch
        {
            SimdLevel.Avx512 => new MicroKernel(12, 32, &GemmKernels.Avx512Kernel, &GemmKernels.Avx512EdgeKernel, 16, &GemmKernels.Avx512ShortKernel, 4),
            SimdLevel.Avx2 => new MicroKernel(6, 16, &GemmKernels.Avx2Kernel),
            SimdLevel.Portable => new MicroKernel(6, 2 * Vector<float>.Count, &GemmKernels.PortableKernel),
            _ => new MicroKernel(4, 8, &GemmKernels.ScalarKernel),
        };
    }

    /// <summary>Pinned, 64-byte aligned pack buffers owned by one thread; they only grow.</summary>
    internal sealed unsafe class GemmBuffers
    {
        [ThreadStatic] private static GemmBuffers? t_current;

        private readonly PinnedBuffer _a = new(), _b = new(), _tile = new();

        /// <summary>This thread's buffers. A pool helper's are its own <see cref="ParallelBlocks"/> slot's, which the thread
        /// that starts a parallel product sizes before the helper joins (<see cref="IBlockJob.Prepare"/>), or the helper
        /// itself when it runs a product inline inside a block.</summary>
        public static GemmBuffers ForCurrentThread => t_current ??= new GemmBuffers();

        /// <summary>Makes <paramref name="buffers"/> the calling thread's (a pool helper, at its start).</summary>
        internal static void BindCurrentThread(GemmBuffers buffers) => t_current = buffers;

        public float* PackA(int size) => _a.Get(size);

        public float* PackB(int size) => _b.Get(size);

        public float* Tile => _tile.Get(MicroKernel.MaxTile);
    }

    /// <summary>The packed, cache-blocked product over one block of C.</summary>
    internal static unsafe class GemmBlocked
    {
        /// <summary>Depth of one packed panel (k blocking): a 32-wide B micro-panel of this depth is 32 KiB.</summary>
        public const int KC = 256;

        /// <summary>Columns of one packed B block (n blocking).</summary>
        public const int NC = 2048;

        /// <summary>Rows of one packed A block (m blocking), rounded to the kernel's MR; an A block stays in L2.</summary>
        public static int MC(int mr) => (192 + mr - 1) / mr * mr;

        /// <summary>Grows <paramref name="buffers"/> to what the whole product needs on one thread.</summary>
        public static void Reserve(in GemmProblem pr, MicroKernel mk, GemmBuffers buffers)
        {
            int kcMax = Math.Min(pr.K, KC);
            buffers.PackB(Math.Min(RoundUp(pr.N, mk.NR), NC) * kcMax);
            buffers.PackA(Math.Min(RoundUp(pr.M, mk.MR), MC(mk.MR)) * kcMax);
            _ = buffers.Tile;
        }

        /// <summary>Computes rows [i0, i1) and columns [j0, j1) of C.</summary>
        public static void Run(in GemmProblem pr, MicroKernel mk, GemmBuffers buffers, int i0, int i1, int j0, int j1) =>
            Run(pr, mk, buffers, i0, i1, j0, j1, 0, pr.K);

        /// <summary>Computes rows [i0, i1) and columns [j0, j1) of C over depths [p0, p1) only (p0 a multiple of
        /// <see cref="KC"/>): C (+)= op(A)[.., p0..p1) * op(B)[p0..p1, ..].</summary>
        public static void Run(in GemmProblem pr, MicroKernel mk, GemmBuffers buffers, int i0, int i1, int j0, int j1, int p0, int p1)
        {
            int mr = mk.MR, nr = mk.NR, mcMax = MC(mr);
            int kcMax = Math.Min(pr.K, KC);
            int ncMax = Math.Min(RoundUp(j1 - j0, nr), NC);
            float* packB = buffers.PackB(ncMax * kcMax);
            float* packA = buffers.PackA(Math.Min(RoundUp(i1 - i0, mr), mcMax) * kcMax);
            float* tile = buffers.Tile;

            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int pc = p0; pc < p1; pc += KC)
                {
                    int kc = Math.Min(KC, p1 - pc);
                    PackB(pr, packB, pc, kc, jc, nc, nr);
                    MultiplyRows(pr, mk, packA, packB, tile, i0, i1, jc, nc, pc, kc, pr.Accumulate || pc > p0);
                }
            }
        }

        /// <summary>Packs depth [pc, pc+kc) and columns [jc, jc+nc) of op(B) into <paramref name="buffers"/> (sized by
        /// <see cref="Reserve"/>) and returns the packed block, for <see cref="MultiplyRows(in GemmProblem, MicroKernel, GemmBuffers, float*, int, int, int, int, int, int)"/>.</summary>
        public static float* PackB(in GemmProblem pr, MicroKernel mk, GemmBuffers buffers, int pc, int kc, int jc, int nc)
        {
            float* packB = buffers.PackB(Math.Min(RoundUp(pr.N, mk.NR), NC) * Math.Min(pr.K, KC));
            PackB(pr, packB, pc, kc, jc, nc, mk.NR);
            return packB;
        }

        /// <summary>One step of the whole-depth <see cref="Run(in GemmProblem, MicroKernel, GemmBuffers, int, int, int, int)"/>
        /// (depth from 0: the first step overwrites C unless the product accumulates) over rows [i0, i1) with a B block that
        /// <see cref="PackB(in GemmProblem, MicroKernel, GemmBuffers, int, int, int, int)"/> packed: when i0 is a multiple of
        /// the kernel's MR and i1 one too or M, these are the same kernel calls on the same tiles as the whole product makes
        /// there, so the results are the same bit for bit.</summary>
        public static void MultiplyRows(in GemmProblem pr, MicroKernel mk, GemmBuffers buffers, float* packB, int i0, int i1, int jc, int nc, int pc, int kc)
        {
            Debug.Assert(i0 % mk.MR == 0 && (i1 % mk.MR == 0 || i1 == pr.M), "Row blocks start and end on micro-panel rows.");
            float* packA = buffers.PackA(Math.Min(RoundUp(pr.M, mk.MR), MC(mk.MR)) * Math.Min(pr.K, KC));
            MultiplyRows(pr, mk, packA, packB, buffers.Tile, i0, i1, jc, nc, pc, kc, pr.Accumulate || pc > 0);
        }

        /// <summary>C[i0..i1, jc..jc+nc) (+)= op(A)[i0..i1, pc..pc+kc) * (packed B block), packing A block by block.</summary>
        private static void MultiplyRows(in GemmProblem pr, MicroKernel mk, float* packA, float* packB, float* tile,
            int i0, int i1, int jc, int nc, int pc, int kc, bool add)
        {
            int mr = mk.MR, nr = mk.NR, mcMax = MC(mr);
            int ldc = pr.N;
            for (int ic = i0; ic < i1; ic += mcMax)
            {
                int mc = Math.Min(mcMax, i1 - ic);
                PackA(pr, packA, ic, mc, pc, kc, mr);
                if (pr.TransA)
                {
                    // A transposed A block is packed from short runs (MR floats) of rows M floats apart, which the hardware
                    // prefetchers do not follow: ask for the next block this thread packs (the next rows at this depth, or this
                    // call's first rows at the next) while this one's products run. SimpleConvNet's affine weight gradient
                    // (4,320 x 100 over a batch of 100, its operands out of cache) took 0.92-0.96x the time on one thread and
                    // 0.95-1.00x on two, taking turns in one process; products that pack A without transposing it ran level
                    // with it (their rows are long runs the prefetchers follow), so they do without.
                    if (ic + mcMax < i1) PrefetchTransposedA(pr, ic + mcMax, Math.Min(mcMax, i1 - ic - mcMax), pc, kc);
                    else if (pc + kc < pr.K) PrefetchTransposedA(pr, i0, Math.Min(mcMax, i1 - i0), pc + kc, Math.Min(KC, pr.K - pc - kc));
                }
                for (int jr = 0; jr < nc; jr += nr)
                {
                    int nrEff = Math.Min(nr, nc - jr);
                    float* bPanel = packB + (long)jr * kc;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int mrEff = Math.Min(mr, mc - ir);
                        float* aPanel = packA + (long)ir * kc;
                        float* cTile = pr.C + (long)(ic + ir) * ldc + jc + jr;
                        if (mrEff == mr && nrEff == nr)
                        {
                            mk.Run(kc, aPanel, bPanel, cTile, ldc, add);
                        }
                        else if (nrEff <= mk.EdgeWidth)
                        {
                            mk.Edge(kc, aPanel, bPanel, nr, cTile, ldc, add, mrEff, nrEff);
                        }
                        else if (mrEff <= mk.ShortRows)
                        {
                            mk.Short(kc, aPanel, mr, bPanel, cTile, ldc, add, mrEff, nrEff);
                        }
                        else
                        {
                            mk.Run(kc, aPanel, bPanel, tile, nr, false);
                            for (int i = 0; i < mrEff; i++)
                            {
                                var src = new ReadOnlySpan<float>(tile + i * nr, nrEff);
                                var dst = new Span<float>(cTile + (long)i * ldc, nrEff);
                                if (add)
                                {
                                    TensorPrimitives.Add(dst, src, dst);
                                }
                                else
                                {
                                    src.CopyTo(dst);
                                }
                            }
                        }
                    }
                }
            }
        }

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

        /// <summary>Packs rows [ic, ic+mc) and depth [pc, pc+kc) of op(A) into MR-row micro-panels, zero-padding the last.</summary>
        private static void PackA(in GemmProblem pr, float* dst, int ic, int mc, int pc, int kc, int mr)
        {
            int m = pr.M, k = pr.K;
            for (int r = 0; r < mc; r += mr)
            {
                int rows = Math.Min(mr, mc - r);
                float* panel = dst + (long)r * kc;
                if (pr.TransA)
                {
                    // op(A)(i, p) = A[p, i]: MR consecutive floats per depth step.
                    float* src = pr.A + (long)pc * m + ic + r;
                    if (rows == mr)
                    {
                        for (int p = 0; p < kc; p++, src += m, panel += mr)
                        {
                            CopyRow(src, panel, mr);
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++, src += m, panel += mr)
                        {
                            int i = 0;
                            for (; i < rows; i++) panel[i] = src[i];
                            for (; i < mr; i++) panel[i] = 0f;
                        }
                    }
                }
                else
                {
                    // op(A)(i, p) = A[i, p]: transpose the rows into steps MR floats wide.
                    if (rows < mr)
                    {
                        new Span<float>(panel, kc * mr).Clear();
                    }

                    Transpose(pr.A + (long)(ic + r) * k + pc, k, rows, kc, panel, mr);
                }
            }
        }

        /// <summary>Asks for the source of the transposed A block <see cref="PackA"/> will pack for rows [ic, ic+mc) and depths
        /// [pc, pc+kc) (kc stored rows of M floats, mc consecutive floats of each) to be brought into L2.</summary>
        private static void PrefetchTransposedA(in GemmProblem pr, int ic, int mc, int pc, int kc)
        {
            if (!Sse.IsSupported) return;
            for (int p = 0; p < kc; p++) PrefetchRun(pr.A + (long)(pc + p) * pr.M + ic, mc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PrefetchRun(float* start, int floats)
        {
            // Every 64-byte line the run touches, from the line of its first float to that of its last.
            byte* line = (byte*)((nuint)start & ~(nuint)63), last = (byte*)(start + floats - 1);
            for (; line <= last; line += 64) Sse.Prefetch1(line);
        }

        /// <summary>Packs depth [pc, pc+kc) and columns [jc, jc+nc) of op(B) into NR-column micro-panels, zero-padding the last.</summary>
        private static void PackB(in GemmProblem pr, float* dst, int pc, int kc, int jc, int nc, int nr)
        {
            int n = pr.N, k = pr.K;
            for (int q = 0; q < nc; q += nr)
            {
                int cols = Math.Min(nr, nc - q);
                float* panel = dst + (long)q * kc;
                if (!pr.TransB)
                {
                    // op(B)(p, j) = B[p, j]: NR consecutive floats per depth step.
                    float* src = pr.B + (long)pc * n + jc + q;
                    if (cols == nr)
                    {
                        for (int p = 0; p < kc; p++, src += n, panel += nr)
                        {
                            CopyRow(src, panel, nr);
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++, src += n, panel += nr)
                        {
                            new Span<float>(panel, nr).Clear();
                            CopyRow(src, panel, cols);
                        }
                    }
                }
                else
                {
                    // op(B)(p, j) = B[j, p]: transpose the stored rows into steps NR floats wide.
                    if (cols < nr)
                    {
                        new Span<float>(panel, kc * nr).Clear();
                    }

                    Transpose(pr.B + (long)(jc + q) * k + pc, k, cols, kc, panel, nr);
                }
            }
        }

        /// <summary>
        /// Writes <c>dst[p * dstStride + i] = src[i * srcStride + p]</c> for <c>i &lt; rows</c>, <c>p &lt; cols</c>: 8 x 8 blocks
        /// through AVX shuffles, then 4 x 4 blocks through SSE ones, the rest one float at a time. An 8 x 8 block moves twice
        /// the floats per load, shuffle and store of a 4 x 4 one. Taking turns in one process against 4 x 4 blocks alone:
        /// packing SimpleConvNet's 100 x 4,320 affine input into 12-row panels took 0.73-0.75x the time, its weights into
        /// 32-row panels 0.63-0.89x, a 30 x 576 output gradient 0.71-0.77x. (The products that pack them ran level within
        /// the host's noise: the packing is a small part of them.)
        /// </summary>
        internal static void Transpose(float* src, int srcStride, int rows, int cols, float* dst, int dstStride)
        {
            int i = 0;
            if (Avx.IsSupported)
            {
                for (; i <= rows - 8; i += 8)
                {
                    TransposeEightRows(src + (long)i * srcStride, srcStride, cols, dst + i, dstStride);
                }
            }

            if (Sse.IsSupported)
            {
                for (; i <= rows - 4; i += 4)
                {
                    TransposeFourRows(src + (long)i * srcStride, srcStride, cols, dst + i, dstStride);
                }
            }

            for (; i < rows; i++)
            {
                float* s = src + (long)i * srcStride;
                float* d = dst + i;
                for (int p = 0; p < cols; p++) d[(long)p * dstStride] = s[p];
            }
        }

        /// <summary>Rows <c>[0, 8)</c> of <see cref="Transpose"/>: 8 x 8 blocks, then the last columns one at a time.</summary>
        private static void TransposeEightRows(float* s0, int srcStride, int cols, float* d, int dstStride)
        {
            float* s1 = s0 + srcStride, s2 = s1 + srcStride, s3 = s2 + srcStride;
            float* s4 = s3 + srcStride, s5 = s4 + srcStride, s6 = s5 + srcStride, s7 = s6 + srcStride;
            int p = 0;
            for (; p <= cols - 8; p += 8, d += 8 * dstStride)
            {
                // Within each 128-bit half: pairs of rows interleaved, then quadruples, so that u_c holds column c of rows
                // 0-3 in its low half and column c + 4 in its high half (v_c the same for rows 4-7); the output row for
                // column c joins the matching halves of u_c and v_c.
                Vector256<float> r0 = Avx.LoadVector256(s0 + p), r1 = Avx.LoadVector256(s1 + p);
                Vector256<float> r2 = Avx.LoadVector256(s2 + p), r3 = Avx.LoadVector256(s3 + p);
                Vector256<float> r4 = Avx.LoadVector256(s4 + p), r5 = Avx.LoadVector256(s5 + p);
                Vector256<float> r6 = Avx.LoadVector256(s6 + p), r7 = Avx.LoadVector256(s7 + p);
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> v0 = Avx.Shuffle(t4, t6, 0x44), v1 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> v2 = Avx.Shuffle(t5, t7, 0x44), v3 = Avx.Shuffle(t5, t7, 0xEE);
                Avx.Store(d, Avx.Permute2x128(u0, v0, 0x20));
                Avx.Store(d + dstStride, Avx.Permute2x128(u1, v1, 0x20));
                Avx.Store(d + 2 * dstStride, Avx.Permute2x128(u2, v2, 0x20));
                Avx.Store(d + 3 * dstStride, Avx.Permute2x128(u3, v3, 0x20));
                Avx.Store(d + 4 * dstStride, Avx.Permute2x128(u0, v0, 0x31));
                Avx.Store(d + 5 * dstStride, Avx.Permute2x128(u1, v1, 0x31));
                Avx.Store(d + 6 * dstStride, Avx.Permute2x128(u2, v2, 0x31));
                Avx.Store(d + 7 * dstStride, Avx.Permute2x128(u3, v3, 0x31));
            }

            for (; p < cols; p++, d += dstStride)
            {
                d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
            }
        }

        /// <summary>Rows <c>[0, 4)</c> of <see cref="Transpose"/>: 4 x 4 blocks, then the last columns one at a time.</summary>
        private static void TransposeFourRows(float* s0, int srcStride, int cols, float* d, int dstStride)
        {
            float* s1 = s0 + srcStride, s2 = s1 + srcStride, s3 = s2 + srcStride;
            int p = 0;
            for (; p <= cols - 4; p += 4, d += 4 * dstStride)
            {
                Vector128<float> r0 = Sse.LoadVector128(s0 + p);
                Vector128<float> r1 = Sse.LoadVector128(s1 + p);
                Vector128<float> r2 = Sse.LoadVector128(s2 + p);
                Vector128<float> r3 = Sse.LoadVector128(s3 + p);
                Vector128<float> t0 = Sse.UnpackLow(r0, r1);
                Vector128<float> t1 = Sse.UnpackLow(r2, r3);
                Vector128<float> t2 = Sse.UnpackHigh(r0, r1);
                Vector128<float> t3 = Sse.UnpackHigh(r2, r3);
                Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
                Sse.Store(d + dstStride, Sse.MoveHighToLow(t1, t0));
                Sse.Store(d + 2 * dstStride, Sse.MoveLowToHigh(t2, t3));
                Sse.Store(d + 3 * dstStride, Sse.MoveHighToLow(t3, t2));
            }

            for (; p < cols; p++, d += dstStride)
            {
                d[0] = s0[p];
                d[1] = s1[p];
                d[2] = s2[p];
                d[3] = s3[p];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRow(float* src, float* dst, int count)
        {
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= count - 8; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
            }

            if (Vector128.IsHardwareAccelerated)
            {
                for (; j <= count - 4; j += 4) Vector128.Store(Vector128.Load(src + j), dst + j);
            }

            for (; j < count; j++) dst[j] = src[j];
        }
    }
}
