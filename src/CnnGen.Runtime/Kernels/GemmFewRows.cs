using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Kernels
{
    /// <summary>
    /// <c>C (m x n) = A (m x k) * B (k x n) + bias</c>, all row-major, for products with few rows and a long sum: an affine
    /// layer's forward pass at a small or moderate batch (SimpleConvNet: up to 100 x 100 over 4,320). The packed GEMM would
    /// copy the whole of B (the layer's weights, 1.7 MB) and of A on every call, and its 12 x 32 tiles fit 100 columns
    /// poorly; here B is read in place, row by row, by register tiles of up to 8 rows x 3 vectors (24 accumulators, one
    /// broadcast of A per row and step), the last vector of a row masked, so no column is computed twice. The sum is cut
    /// into blocks whose slice of B stays in L2 while every group of 8 rows passes over it. A long sum over a small C is split
    /// by depth into fixed ranges at every degree (<see cref="GemmDepthSplit"/>: each thread reads only its part of A and
    /// B); other products share columns among threads by whole vectors, every output summed in the same order whatever the
    /// split. Either way results do not depend on the thread count. AVX-512 only (other levels take the packed GEMM).
    /// </summary>
    internal static unsafe class GemmFewRows
    {
        /// <summary>Rows up to which this path is taken: above it the packed GEMM's reuse of its packed panels pays for the
        /// packing (measured at 4,320 x 100, one thread: this path 117 GFLOP/s at 128 rows, the packed one 109 at 136 rows
        /// and 118 at 256).</summary>
        public const int MaxRows = 128;

        /// <summary>Widest B this path takes: a depth block of B as wide as this is still <see cref="MinDepth"/> rows deep.</summary>
        public const int MaxColumns = 384;

        /// <summary>Bytes of B one depth block may span (well under the 1 MiB L2: A's rows and C stay there too).</summary>
        private const int BlockBytes = 448 * 1024;

        /// <summary>Depth below which a block would reload C's tiles too often for the few multiply-adds in between.</summary>
        private const int MinDepth = 256;

        private const int Lanes = 16;

        [ThreadStatic] private static Job? t_job;

        /// <summary>Whether a product of this shape takes this path on this machine.</summary>
        public static bool Applies(int m, int n, int k) =>
            KernelDispatch.Level >= SimdLevel.Avx512 && Avx512F.IsSupported
            && m >= 2 && m <= MaxRows && k >= 16 && n >= 8 && n <= MaxColumns;

        /// <summary>C = A B (+ bias when <paramref name="bias"/> is not null), overwriting C.</summary>
        public static void Run(int m, int n, int k, float* a, float* b, float* bias, float* c)
        {
            if ((long)m * n * k >= Gemm.ParallelThreshold && GemmDepthSplit.Applies(m, n, k))
            {
                // A long sum: cut by depth (each thread then reads only its part of A and of B), at every degree.
                GemmDepthSplit.RunFewRows(m, n, k, a, b, bias, c, skipZeros: false);
                return;
            }

            RunColumns(m, n, k, a, b, bias, c, default(AllRows));
        }

        /// <summary><see cref="Run(int, int, int, float*, float*, float*, float*)"/> for an A with many zeros (a ReLU's output):
        /// the rows of B behind columns of A that are zero are not read. A depth-split product lists them per group of eight
        /// rows and depth range (<see cref="ColumnsSkippingZeros"/>, by the range's own thread); other products list the
        /// columns zero in every row, once. A list that would skip fewer than an eighth of B takes the plain walk. The sums
        /// keep their order and every split is the plain product's, so C has the same values as the plain product's as long
        /// as B is finite (a zero may differ in sign: the plain product adds <c>w x 0 = +0</c> to a sum of -0, which makes it
        /// +0).</summary>
        public static void RunSkippingZeros(int m, int n, int k, float* a, float* b, float* bias, float* c)
        {
            if ((long)m * n * k >= Gemm.ParallelThreshold && GemmDepthSplit.Applies(m, n, k))
            {
                GemmDepthSplit.RunFewRows(m, n, k, a, b, bias, c, skipZeros: true);
                return;
            }

            int[] listed = NonzeroIndices.Buffer(k);
            fixed (int* lp = listed)
            {
                int count = NonzeroIndices.GatherColumns(a, m, k, k, lp, NonzeroIndices.SeenBuffer(k));
                if (ListingPays(count, k)) RunColumns(m, n, k, a, b, bias, c, new ListedRows(lp, count));
                else RunColumns(m, n, k, a, b, bias, c, default(AllRows));
            }
        }

        /// <summary>Whether walking a list of <paramref name="count"/> of <paramref name="depth"/> depths pays: the tiles' listed
        /// walk costs one index per row of B against their 8 x 3 multiply-adds, and listing the columns about a tenth of the
        /// product's time (SimpleConvNet at batch 100: 65-70 us against 770), so skipping an eighth of B does.</summary>
        internal static bool ListingPays(int count, int depth) => count * 8L <= depth * 7L;

        /// <summary>The product over the depths <paramref name="depths"/> visits, its columns shared among threads by whole
        /// vectors when it is large.</summary>
        private static void RunColumns<TWalk>(int m, int n, int k, float* a, float* b, float* bias, float* c, TWalk depths)
            where TWalk : struct, IRowWalk
        {
            int vectors = Vectors(n);
            bool large = (long)m * n * k >= Gemm.ParallelThreshold;
            int ranges = large ? Math.Min(ParallelBlocks.Degree, vectors) : 1;
            if (ranges <= 1)
            {
                Columns(m, n, k, k, a, b, bias, c, 0, vectors, depths);
                return;
            }

            Job job = t_job ??= new Job();
            job.Set(m, n, k, a, b, bias, c, vectors, ranges, typeof(TWalk) == typeof(ListedRows) ? Unsafe.As<TWalk, ListedRows>(ref depths) : null);
            ParallelBlocks.Run(job, ranges);
        }

        /// <summary><c>C (+)= A B</c> on the calling thread, A's rows <paramref name="lda"/> floats apart, any number of rows (the
        /// tiles read B from cache for every eight rows of A, so a narrow B serves a tall A well): overwriting C when
        /// <paramref name="overwrite"/>, adding to it otherwise. For sums built up over several products (a filter gradient
        /// image by image).</summary>
        internal static void Accumulate(int m, int n, int k, int lda, float* a, float* b, float* c, bool overwrite) =>
            Columns(m, n, k, lda, a, b, null, c, 0, Vectors(n), default(AllRows), addToC: !overwrite);

        /// <summary>Vectors of columns of a row of C.</summary>
        internal static int Vectors(int n) => (n + Lanes - 1) / Lanes;

        /// <summary>Columns of vectors [v0, v1) of <c>C = A B (+ bias)</c>, A's rows <paramref name="lda"/> floats apart: every
        /// depth block, every group of rows, the columns in tiles of up to three vectors (seven vectors go as 3 + 2 + 2, not
        /// 3 + 3 + 1, so no tile is left with a single vector's work).</summary>
        internal static void Columns(int m, int n, int k, int lda, float* a, float* b, float* bias, float* c, int v0, int v1) =>
            Columns(m, n, k, lda, a, b, bias, c, v0, v1, default(AllRows));

        /// <summary><see cref="Columns(int, int, int, int, float*, float*, float*, float*, int, int)"/> over the depths
        /// <paramref name="depths"/> visits (rows of B, columns of A, counted from <paramref name="a"/> and <paramref name="b"/>).</summary>
        internal static void Columns<TWalk>(int m, int n, int k, int lda, float* a, float* b, float* bias, float* c, int v0, int v1, TWalk depths,
            bool addToC = false)
            where TWalk : struct, IRowWalk
        {
            int depth = BlockDepth(n, k, v0, v1);
            for (int p0 = 0; p0 < k; p0 += depth)
            {
                int kb = Math.Min(depth, k - p0);
                int t0 = depths.Position(p0), t1 = depths.Position(p0 + kb);
                Start start = p0 > 0 || addToC ? Start.FromC : bias != null ? Start.FromBias : Start.FromZero;
                for (int r0 = 0; r0 < m; )
                {
                    int rows = GroupRows(m - r0);
                    RowGroup(rows, depths, t0, t1, a + (long)r0 * lda, lda, b, n, c + (long)r0 * n, bias, v0, v1, start);
                    r0 += rows;
                }
            }
        }

        /// <summary>
        /// Columns of vectors [v0, v1) of <c>C = A B (+ bias)</c> for an A with many zeros (a ReLU's output), A's rows
        /// <paramref name="lda"/> floats apart: each group of up to eight rows walks only the depths of each depth block
        /// where one of its rows is not zero (listed into <paramref name="list"/>, a block's depth of ints, with
        /// <paramref name="seen"/>, <see cref="NonzeroIndices.ColumnScratch"/> floats), or every depth where fewer than an
        /// eighth are zero throughout the group. A column zero in all eight rows is far more common than one zero in all
        /// of a batch: SimpleConvNet's pooled activations at batch 100, 47% of the columns in a group of eight against 25% in
        /// all 100 rows. The sums keep their order, so C has the values of the plain product (as long as B is finite; a zero
        /// may differ in sign).
        /// </summary>
        internal static void ColumnsSkippingZeros(int m, int n, int k, int lda, float* a, float* b, float* bias, float* c, int v0, int v1,
            int* list, float* seen)
        {
            int depth = BlockDepth(n, k, v0, v1);
            for (int p0 = 0; p0 < k; p0 += depth)
            {
                int kb = Math.Min(depth, k - p0);
                Start start = p0 > 0 ? Start.FromC : bias != null ? Start.FromBias : Start.FromZero;
                float* bp = b + (long)p0 * n;
                for (int r0 = 0; r0 < m; )
                {
                    int rows = GroupRows(m - r0);
                    float* at = a + (long)r0 * lda + p0, ct = c + (long)r0 * n;
                    int count = NonzeroIndices.GatherColumns(at, rows, kb, lda, list, seen);
                    if (ListingPays(count, kb)) RowGroup(rows, new ListedRows(list, count), 0, count, at, lda, bp, n, ct, bias, v0, v1, start);
                    else RowGroup(rows, default(AllRows), 0, kb, at, lda, bp, n, ct, bias, v0, v1, start);
                    r0 += rows;
                }
            }
        }

        /// <summary>Depth of the blocks whose slice of B stays in L2 while every group of rows passes over it.</summary>
        private static int BlockDepth(int n, int k, int v0, int v1)
        {
            // A row of the block occupies whole cache lines: its own width rounded out to lines (a range of columns of a
            // wider B), or the row's bytes when the block spans all of B's columns (consecutive rows share lines).
            int width = Math.Min(n, v1 * Lanes) - v0 * Lanes;
            int rowBytes = width == n ? 4 * n : Math.Min(4 * n, (4 * width + 63) / 64 * 64 + 64);
            return Math.Min(k, Math.Max(MinDepth, BlockBytes / rowBytes));
        }

        /// <summary>Rows of the next group: eight, else four, two or one.</summary>
        private static int GroupRows(int left) => left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;

        /// <summary>One group of <paramref name="rows"/> rows of C over steps [t0, t1) of <paramref name="depths"/>: the columns of
        /// vectors [v0, v1) in tiles of up to three vectors (seven vectors go as 3 + 2 + 2, not 3 + 3 + 1, so no tile is left
        /// with a single vector's work).</summary>
        private static void RowGroup<TWalk>(int rows, TWalk depths, int t0, int t1, float* a, int lda, float* b, int n, float* c, float* bias,
            int v0, int v1, Start start)
            where TWalk : struct, IRowWalk
        {
            for (int v = v0; v < v1; )
            {
                int left = v1 - v;
                int tile = left == 4 ? 2 : Math.Min(3, left);
                int j = v * Lanes;
                int lastLanes = Math.Min(Lanes, n - (v + tile - 1) * Lanes);
                var mask = Lanes512.First(lastLanes);
                float* bt = b + j, ct = c + j;
                float* bs = bias == null ? null : bias + j;
                switch (rows * 4 + tile)
                {
                    case 8 * 4 + 3: Tile<Eight, Three, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 8 * 4 + 2: Tile<Eight, Two, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 8 * 4 + 1: Tile<Eight, One, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 4 * 4 + 3: Tile<Four, Three, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 4 * 4 + 2: Tile<Four, Two, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 4 * 4 + 1: Tile<Four, One, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 2 * 4 + 3: Tile<Two, Three, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 2 * 4 + 2: Tile<Two, Two, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 2 * 4 + 1: Tile<Two, One, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 1 * 4 + 3: Tile<One, Three, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    case 1 * 4 + 2: Tile<One, Two, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                    default: Tile<One, One, TWalk>(depths, t0, t1, a, lda, bt, n, ct, n, mask, bs, start); break;
                }

                v += tile;
            }
        }

        private enum Start { FromZero, FromBias, FromC }

        /// <summary>C[TRows x TVectors vectors] (+)= sum over steps t in [t0, t1), p = depths.Row(t), of A[.., p] B[p, ..]; the
        /// last vector of each row of B and C is read and written through <paramref name="last"/> (all lanes for an inner tile).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile<TRows, TVectors, TWalk>(TWalk depths, int t0, int t1, float* a, int lda, float* b, int ldb, float* c, int ldc,
            Vector512<float> last, float* bias, Start start)
            where TRows : struct, ICount
            where TVectors : struct, ICount
            where TWalk : struct, IRowWalk
        {
            int r = TRows.Value, v = TVectors.Value;
            Vector512<float> m0 = v == 1 ? last : Vector512<float>.AllBitsSet;
            Vector512<float> m1 = v == 2 ? last : Vector512<float>.AllBitsSet;
            Vector512<float> m2 = last;

            // Starting values: zero, the bias (the same for every row) or the partial sums already in C.
            Vector512<float> z = Vector512<float>.Zero;
            Vector512<float> s0 = z, s1 = z, s2 = z;
            if (start == Start.FromBias)
            {
                s0 = Avx512F.MaskLoad(bias, m0, z);
                if (v > 1) s1 = Avx512F.MaskLoad(bias + Lanes, m1, z);
                if (v > 2) s2 = Avx512F.MaskLoad(bias + 2 * Lanes, m2, z);
            }

            Vector512<float> c00 = s0, c01 = s1, c02 = s2, c10 = s0, c11 = s1, c12 = s2, c20 = s0, c21 = s1, c22 = s2;
            Vector512<float> c30 = s0, c31 = s1, c32 = s2, c40 = s0, c41 = s1, c42 = s2, c50 = s0, c51 = s1, c52 = s2;
            Vector512<float> c60 = s0, c61 = s1, c62 = s2, c70 = s0, c71 = s1, c72 = s2;
            if (start == Start.FromC)
            {
                Load(c, m0, m1, m2, v, ref c00, ref c01, ref c02);
                if (r > 1) Load(c + ldc, m0, m1, m2, v, ref c10, ref c11, ref c12);
                if (r > 2) Load(c + 2 * ldc, m0, m1, m2, v, ref c20, ref c21, ref c22);
                if (r > 3) Load(c + 3 * ldc, m0, m1, m2, v, ref c30, ref c31, ref c32);
                if (r > 4) Load(c + 4 * ldc, m0, m1, m2, v, ref c40, ref c41, ref c42);
                if (r > 5) Load(c + 5 * ldc, m0, m1, m2, v, ref c50, ref c51, ref c52);
                if (r > 6) Load(c + 6 * ldc, m0, m1, m2, v, ref c60, ref c61, ref c62);
                if (r > 7) Load(c + 7 * ldc, m0, m1, m2, v, ref c70, ref c71, ref c72);
            }

            float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
            float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
            // The plain walk steps a pointer down B (as the loop did before lists existed: a multiply per step measured 5%
            // slower at 8 x 4,320 x 100); a listed one computes each row's address.
            bool plain = typeof(TWalk) == typeof(AllRows);
            float* bp = b + (long)t0 * ldb;
            for (int t = t0; t < t1; t++, bp += plain ? ldb : 0)
            {
                int p = plain ? t : depths.Row(t);
                if (!plain) bp = b + (long)p * ldb;
                Vector512<float> b0 = v == 1 ? Avx512F.MaskLoad(bp, m0, z) : Vector512.Load(bp);
                Vector512<float> b1 = v == 2 ? Avx512F.MaskLoad(bp + Lanes, m1, z) : v > 2 ? Vector512.Load(bp + Lanes) : z;
                Vector512<float> b2 = v == 3 ? Avx512F.MaskLoad(bp + 2 * Lanes, m2, z) : z;

                Vector512<float> x = Vector512.Create(a0[p]);
                c00 = Vector512.FusedMultiplyAdd(b0, x, c00);
                if (v > 1) c01 = Vector512.FusedMultiplyAdd(b1, x, c01);
                if (v > 2) c02 = Vector512.FusedMultiplyAdd(b2, x, c02);
                if (r > 1)
                {
                    x = Vector512.Create(a1[p]);
                    c10 = Vector512.FusedMultiplyAdd(b0, x, c10);
                    if (v > 1) c11 = Vector512.FusedMultiplyAdd(b1, x, c11);
                    if (v > 2) c12 = Vector512.FusedMultiplyAdd(b2, x, c12);
                }

                if (r > 2)
                {
                    x = Vector512.Create(a2[p]);
                    c20 = Vector512.FusedMultiplyAdd(b0, x, c20);
                    if (v > 1) c21 = Vector512.FusedMultiplyAdd(b1, x, c21);
                    if (v > 2) c22 = Vector512.FusedMultiplyAdd(b2, x, c22);
                    x = Vector512.Create(a3[p]);
                    c30 = Vector512.FusedMultiplyAdd(b0, x, c30);
                    if (v > 1) c31 = Vector512.FusedMultiplyAdd(b1, x, c31);
                    if (v > 2) c32 = Vector512.FusedMultiplyAdd(b2, x, c32);
                }

                if (r > 4)
                {
                    x = Vector512.Create(a4[p]);
                    c40 = Vector512.FusedMultiplyAdd(b0, x, c40);
                    if (v > 1) c41 = Vector512.FusedMultiplyAdd(b1, x, c41);
                    if (v > 2) c42 = Vector512.FusedMultiplyAdd(b2, x, c42);
                    x = Vector512.Create(a5[p]);
                    c50 = Vector512.FusedMultiplyAdd(b0, x, c50);
                    if (v > 1) c51 = Vector512.FusedMultiplyAdd(b1, x, c51);
                    if (v > 2) c52 = Vector512.FusedMultiplyAdd(b2, x, c52);
                    x = Vector512.Create(a6[p]);
                    c60 = Vector512.FusedMultiplyAdd(b0, x, c60);
                    if (v > 1) c61 = Vector512.FusedMultiplyAdd(b1, x, c61);
                    if (v > 2) c62 = Vector512.FusedMultiplyAdd(b2, x, c62);
                    x = Vector512.Create(a7[p]);
                    c70 = Vector512.FusedMultiplyAdd(b0, x, c70);
                    if (v > 1) c71 = Vector512.FusedMultiplyAdd(b1, x, c71);
                    if (v > 2) c72 = Vector512.FusedMultiplyAdd(b2, x, c72);
                }
            }

            Store(c, m0, m1, m2, v, c00, c01, c02);
            if (r > 1) Store(c + ldc, m0, m1, m2, v, c10, c11, c12);
            if (r > 2) Store(c + 2 * ldc, m0, m1, m2, v, c20, c21, c22);
            if (r > 3) Store(c + 3 * ldc, m0, m1, m2, v, c30, c31, c32);
            if (r > 4) Store(c + 4 * ldc, m0, m1, m2, v, c40, c41, c42);
            if (r > 5) Store(c + 5 * ldc, m0, m1, m2, v, c50, c51, c52);
            if (r > 6) Store(c + 6 * ldc, m0, m1, m2, v, c60, c61, c62);
            if (r > 7) Store(c + 7 * ldc, m0, m1, m2, v, c70, c71, c72);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Load(float* row, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, int v,
            ref Vector512<float> x0, ref Vector512<float> x1, ref Vector512<float> x2)
        {
            Vector512<float> z = Vector512<float>.Zero;
            x0 = Avx512F.MaskLoad(row, m0, z);
            if (v > 1) x1 = Avx512F.MaskLoad(row + Lanes, m1, z);
            if (v > 2) x2 = Avx512F.MaskLoad(row + 2 * Lanes, m2, z);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* row, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, int v,
            Vector512<float> x0, Vector512<float> x1, Vector512<float> x2)
        {
            Avx512F.MaskStore(row, m0, x0);
            if (v > 1) Avx512F.MaskStore(row + Lanes, m1, x1);
            if (v > 2) Avx512F.MaskStore(row + 2 * Lanes, m2, x2);
        }

        /// <summary>A product whose columns are shared among threads in ranges of whole vectors.</summary>
        private sealed class Job : IBlockJob
        {
            private int _m, _n, _k, _vectors, _ranges;
            private float* _a, _b, _bias, _c;
            private ListedRows? _depths;

            public void Set(int m, int n, int k, float* a, float* b, float* bias, float* c, int vectors, int ranges, ListedRows? depths)
            {
                _m = m; _n = n; _k = k; _a = a; _b = b; _bias = bias; _c = c; _vectors = vectors; _ranges = ranges; _depths = depths;
            }

            public void Run(int range)
            {
                int v0 = ParallelBlocks.Split(_vectors, _ranges, range), v1 = ParallelBlocks.Split(_vectors, _ranges, range + 1);
                if (_depths is { } depths) Columns(_m, _n, _k, _k, _a, _b, _bias, _c, v0, v1, depths);
                else Columns(_m, _n, _k, _k, _a, _b, _bias, _c, v0, v1, default(AllRows));
            }
        }
    }
}
