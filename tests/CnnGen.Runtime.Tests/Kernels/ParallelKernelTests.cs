using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CnnGen.Kernels;
using Xunit;

namespace CnnGen.Runtime.Tests.Kernels;

/// <summary>The kernels that share work among threads, at degree 2 against degree 1 (bit-identical wherever the summation
/// order is unchanged) and against the scalar references; odd batches, every SIMD level; no allocation after warm-up.</summary>
[Collection("KernelDispatch")]
public sealed class ParallelKernelTests
{
    private const double Tolerance = 1e-4;

    private static T AtDegree<T>(int degree, Func<T> run)
    {
        int saved = KernelDispatch.MaxDegreeOfParallelism;
        KernelDispatch.MaxDegreeOfParallelism = degree;
        try
        {
            return run();
        }
        finally
        {
            KernelDispatch.MaxDegreeOfParallelism = saved;
        }
    }

    /// <summary>Runs <paramref name="run"/> until <paramref name="counter"/> (a count of the calling thread's) shows that the
    /// pool took its job: a test class outside this collection may hold the pool for a moment, and a kernel then runs on the
    /// calling thread alone. Fails after 20 s of tries (on a busy machine a try can find the pool held many times over).</summary>
    private static void UntilThePoolTakesIt(Func<long> counter, Action run, string what)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (patience.Elapsed.TotalSeconds < 20)
        {
            ParallelBlocks.ResetBackoff();
            long before = counter();
            run();
            if (counter() > before) return;
            Thread.Sleep(1);
        }

        Assert.Fail($"{what}: the pool never took the job in 20 s of tries");
    }

    private static void Identical(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]} at degree 2, {expected[i]} at degree 1.");
            }
        }
    }

    private sealed class CountingJob : IBlockJob
    {
        public int[] Hits = Array.Empty<int>();
        public int NestedBlocks;
        public CountingJob? Nested;

        public void Run(int block)
        {
            Interlocked.Increment(ref Hits[block]);
            if (Nested is not null)
            {
                ParallelBlocks.Run(Nested, NestedBlocks);
            }
        }
    }

    private sealed class ThrowingJob : IBlockJob
    {
        public void Run(int block)
        {
            if (block == 5) throw new InvalidOperationException("block 5");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 17)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 37)]
    [InlineData(3, 100)]
    public void EveryBlockRunsOnceIncludingNestedJobs(int degree, int blocks)
    {
        AtDegree(degree, () =>
        {
            for (int repeat = 0; repeat < 50; repeat++)
            {
                var inner = new CountingJob { Hits = new int[blocks * 3] };
                var job = new CountingJob { Hits = new int[blocks], Nested = repeat % 2 == 0 ? inner : null, NestedBlocks = inner.Hits.Length };
                ParallelBlocks.Run(job, blocks);
                Assert.All(job.Hits, h => Assert.Equal(1, h));
                if (job.Nested is not null) Assert.All(inner.Hits, h => Assert.Equal(blocks, h));
            }

            return 0;
        });
    }

    /// <summary>Records which participant ran each block, each block taking a while (1 ms) so that the helper, once awake,
    /// finds blocks left to claim.</summary>
    private sealed class PlaceRecordingJob : IBlockJob
    {
        public int[] Place = Array.Empty<int>();

        public void Run(int block)
        {
            Place[block] = ParallelBlocks.ParticipantOf(this);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed.TotalMilliseconds < 1)
            {
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(8)]
    public void At_degree_two_the_calling_thread_takes_blocks_from_the_front_and_the_helper_from_the_back(int blocks)
    {
        AtDegree(2, () =>
        {
            var job = new PlaceRecordingJob { Place = new int[blocks] };
            bool helperTookPart = false;
            // The helper joins only when the operating system runs it before the caller has claimed every block: on a busy
            // machine (the other test assemblies run beside this one) that can take many jobs, so the test keeps trying for
            // up to 20 s rather than a number of jobs.
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (!helperTookPart && patience.Elapsed.TotalSeconds < 20)
            {
                ParallelBlocks.ResetBackoff();
                Array.Fill(job.Place, -1);
                ParallelBlocks.Run(job, blocks);
                Assert.All(job.Place, p => Assert.InRange(p, 0, 1));
                // A prefix of the blocks on the calling thread, the rest on the helper: so the two take the same blocks in
                // every job when they run at the same speed.
                int firstOfHelper = Array.IndexOf(job.Place, 1);
                helperTookPart = firstOfHelper >= 0;
                if (helperTookPart)
                {
                    Assert.All(job.Place.Take(firstOfHelper), p => Assert.Equal(0, p));
                    Assert.All(job.Place.Skip(firstOfHelper), p => Assert.Equal(1, p));
                    Assert.Equal(1, job.Place[blocks - 1]);
                }
            }

            Assert.True(helperTookPart, "the helper never took part in 20 s of jobs");
            return 0;
        });
    }

    /// <summary>A block that keeps its thread busy for <see cref="Milliseconds"/> of wall-clock time.</summary>
    private sealed class BusyJob : IBlockJob
    {
        public const double Milliseconds = 2;

        public void Run(int block)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed.TotalMilliseconds < Milliseconds)
            {
            }
        }
    }

    /// <summary>With a thread spinning on every core, the operating system switches the job's participants out for them: the
    /// participants lose their cores to other threads, and the pool runs the next moment's jobs inline. (A virtual processor
    /// that the host takes away for a moment costs processor time too but switches no thread out, and must not do this.)</summary>
    [Fact]
    public void Threads_competing_for_every_core_make_the_pool_run_the_next_jobs_inline()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return; // elsewhere a long wait for a helper stands in
        Assert.True(ParallelBlocks.ReadsThreadUsage, "the threads' processor time and context switches cannot be read");
        AtDegree(2, () =>
        {
            bool stop = false;
            var spinners = Enumerable.Range(0, Environment.ProcessorCount)
                .Select(_ => new Thread(() => { while (!Volatile.Read(ref stop)) { } }) { IsBackground = true })
                .ToList();
            spinners.ForEach(t => t.Start());
            try
            {
                bool backedOff = false;
                for (int attempt = 0; attempt < 50 && !backedOff; attempt++)
                {
                    ParallelBlocks.ResetBackoff();
                    ParallelBlocks.Run(new BusyJob(), 8);
                    backedOff = ParallelBlocks.IsBackingOff;
                }

                Assert.True(backedOff, "the pool never backed off while every core had another busy thread");
            }
            finally
            {
                Volatile.Write(ref stop, true);
                spinners.ForEach(t => t.Join());
                ParallelBlocks.ResetBackoff();
            }

            return 0;
        });
    }

    [Fact]
    public void ExceptionsReachTheCallerAndThePoolStaysUsable()
    {
        AtDegree(2, () =>
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.Throws<InvalidOperationException>(() => ParallelBlocks.Run(new ThrowingJob(), 16));
            }

            var job = new CountingJob { Hits = new int[9] };
            ParallelBlocks.Run(job, 9);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            return 0;
        });
    }

    public static IEnumerable<object[]> ConvShapes()
    {
        // channels, height, width, filters, kernel, stride, pad, batch
        yield return new object[] { 1, 28, 28, 30, 5, 1, 0, 3 };   // SimpleConvNet's conv1 (direct kernels)
        yield return new object[] { 1, 28, 28, 30, 5, 1, 0, 17 };
        yield return new object[] { 3, 16, 16, 8, 3, 1, 1, 21 };   // padded: im2col + GEMM
        yield return new object[] { 4, 15, 13, 6, 3, 2, 1, 33 };   // stride 2
        yield return new object[] { 16, 12, 12, 12, 1, 1, 0, 11 }; // pointwise
    }

    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void ConvolutionAtDegreeTwoMatchesDegreeOneAndReference(int c, int h, int w, int f, int k, int s, int p, int batch)
    {
        var g = new ConvGeometry(c, h, w, f, k, s, p);
        float[] x = Reference.Random(batch * g.InputSize, 1), wt = Reference.Random(g.WeightSize, 2);
        float[] bias = Reference.Random(f, 3), dy = Reference.Random(batch * g.OutputSize, 4);
        double[] expectedY = Reference.ConvForward(g, batch, x, wt, bias);
        var (dw, db, dxRef) = Reference.ConvBackward(g, batch, x, wt, dy);
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var results = new List<float[]>[3];
                for (int degree = 1; degree <= 2; degree++)
                {
                    var (y, gw, gb, gwNoBias, dx) = AtDegree(degree, () =>
                    {
                        var ws = new float[Conv2D.WorkspaceSize(g)];
                        var y = new float[batch * g.OutputSize];
                        Conv2D.Forward(g, batch, x, wt, bias, y, ws);
                        float[] gw = Reference.Random(g.WeightSize, 9), gb = Reference.Random(f, 10), gw2 = Reference.Random(g.WeightSize, 11);
                        Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, ws);
                        Conv2D.BackwardFilter(g, batch, x, dy, gw2, Span<float>.Empty, ws);
                        var dx = new float[batch * g.InputSize];
                        dx.AsSpan().Fill(float.NaN);
                        Conv2D.BackwardData(g, batch, dy, wt, dx, ws);
                        return (y, gw, gb, gw2, dx);
                    });
                    string what = $"{g} batch {batch} {level} degree {degree}";
                    Reference.Close(y, expectedY, Tolerance, "forward " + what);
                    Reference.Close(gw, dw, Tolerance, "dW " + what);
                    Reference.Close(gb, db, Tolerance, "db " + what);
                    Reference.Close(gwNoBias, dw, Tolerance, "dW without bias " + what);
                    Reference.Close(dx, dxRef, Tolerance, "dx " + what);
                    results[degree] = new List<float[]> { y, dx, gw, gb };
                }

                Identical(results[1][0], results[2][0], $"forward {g} {level}");
                Identical(results[1][1], results[2][1], $"dx {g} {level}");

                // The filter gradient is deterministic for a given degree.
                float[] again = AtDegree(2, () =>
                {
                    float[] gw = new float[g.WeightSize], gb = new float[f];
                    Conv2D.BackwardFilter(g, batch, x, dy, gw, gb, new float[Conv2D.WorkspaceSize(g)]);
                    return gw;
                });
                Identical(results[2][2], again, $"dW repeated at degree 2 {g} {level}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(30, 24, 24, 7)]
    [InlineData(30, 24, 24, 13)]
    [InlineData(5, 34, 40, 21)]
    [InlineData(3, 33, 35, 31)]  // odd sizes: forward fast path, general backward
    public void MaxPoolingAtDegreeTwoIsBitIdentical(int c, int h, int w, int batch)
    {
        var g = new ConvGeometry(c, h, w, c, 2, 2, 0);
        float[] x = Reference.Random(batch * g.InputSize, 5), dy = Reference.Random(batch * g.OutputSize, 6);
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var outputs = new (float[] Y, byte[] Arg, float[] Dx)[3];
                for (int degree = 1; degree <= 2; degree++)
                {
                    outputs[degree] = AtDegree(degree, () =>
                    {
                        var y = new float[batch * g.OutputSize];
                        var arg = new byte[batch * g.OutputSize];
                        var dx = new float[batch * g.InputSize];
                        dx.AsSpan().Fill(float.NaN);
                        Pooling.MaxForward(g, batch, x, y, arg);
                        Pooling.MaxBackward(g, batch, dy, arg, dx);
                        return (y, arg, dx);
                    });
                }

                Identical(outputs[1].Y, outputs[2].Y, $"max pool forward {g} {level}");
                Assert.Equal(outputs[1].Arg, outputs[2].Arg);
                Identical(outputs[1].Dx, outputs[2].Dx, $"max pool backward {g} {level}");

                // Against the definition: every output is its window's maximum and its winner code points at it.
                for (int i = 0; i < outputs[2].Y.Length; i++)
                {
                    int plane = i / g.OutPlane, oy = i % g.OutPlane / g.OutWidth, ox = i % g.OutWidth, code = outputs[2].Arg[i];
                    Assert.Equal(x[plane * g.Height * g.Width + (2 * oy + code / 2) * g.Width + 2 * ox + code % 2], outputs[2].Y[i]);
                }
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_003)]
    [InlineData(20 * 16_384 + 3)] // one thread's last 64 KiB step would leave 3 floats
    [InlineData(1_728_000)]
    public void ElementwiseKernelsAtDegreeTwoAreBitIdentical(int length)
    {
        float[] x = Reference.Random(length, 7, -4f, 4f), dy = Reference.Random(length, 8);
        float[] mask = Reference.Random(length, 9, 0f, 2f);
        var names = new[] { "relu", "relu'", "sigmoid", "sigmoid'", "tanh", "tanh'", "dropout'", "relu in place", "residual add" };
        var runs = new float[3][][];
        for (int degree = 1; degree <= 2; degree++)
        {
            runs[degree] = AtDegree(degree, () =>
            {
                var r = new float[names.Length][];
                for (int i = 0; i < r.Length; i++) r[i] = new float[length];
                Activations.ReluForward(x, r[0]);
                Activations.ReluBackward(r[0], dy, r[1]);
                Activations.SigmoidForward(x, r[2]);
                Activations.SigmoidBackward(r[2], dy, r[3]);
                Activations.TanhForward(x, r[4]);
                Activations.TanhBackward(r[4], dy, r[5]);
                Dropout.Backward(mask, dy, r[6]);
                x.AsSpan().CopyTo(r[7]);
                Activations.ReluForward(r[7], r[7]);
                Residual.Add(x, dy, r[8]);
                return r;
            });
        }

        for (int i = 0; i < names.Length; i++)
        {
            Identical(runs[1][i], runs[2][i], $"{names[i]} length {length}");
        }

        for (int i = 0; i < length; i++)
        {
            Assert.Equal(Math.Max(0f, x[i]), runs[2][0][i]);
            Assert.Equal(runs[2][0][i] > 0 ? dy[i] : 0f, runs[2][1][i]);
            Assert.Equal(dy[i] * mask[i], runs[2][6][i]);
            Assert.Equal(x[i] + dy[i], runs[2][8][i]);
        }
    }

    [Theory]
    [InlineData(7, 30, 576)]
    [InlineData(33, 5, 1024)]
    [InlineData(100, 100, 1)]
    [InlineData(3, 1, 40_000)]  // one channel: never split
    public void BatchNormAtDegreeTwoIsBitIdentical(int batch, int channels, int spatial)
    {
        int len = batch * channels * spatial;
        float[] x = Reference.Random(len, 1, -3f, 5f), gamma = Reference.Random(channels, 2, 0.5f, 2f), beta = Reference.Random(channels, 3);
        float[] dy = Reference.Random(len, 4);
        var runs = new List<float[]>[3];
        for (int degree = 1; degree <= 2; degree++)
        {
            runs[degree] = AtDegree(degree, () =>
            {
                float[] rm = Reference.Random(channels, 4), rv = Reference.Random(channels, 5, 0.5f, 2f);
                float[] xHat = new float[len], inv = new float[channels], y = new float[len], yi = new float[len];
                float[] gg = new float[channels], bg = new float[channels], dx = new float[len];
                BatchNorm.ForwardTraining(batch, channels, spatial, 0.9f, 1e-5f, x, gamma, beta, rm, rv, xHat, inv, y);
                BatchNorm.ForwardInference(batch, channels, spatial, 1e-5f, x, gamma, beta, rm, rv, yi);
                BatchNorm.Backward(batch, channels, spatial, dy, xHat, inv, gamma, gg, bg, dx);
                return new List<float[]> { rm, rv, xHat, inv, y, yi, gg, bg, dx };
            });
        }

        for (int i = 0; i < runs[1].Count; i++)
        {
            Identical(runs[1][i], runs[2][i], $"batch norm output {i} ({batch}x{channels}x{spatial})");
        }
    }

    [Theory]
    [InlineData(100, 4320, 100)]
    [InlineData(37, 1000, 77)]
    [InlineData(5, 2000, 300)]
    [InlineData(65, 3001, 129)]
    [InlineData(300, 400, 260)] // the weight gradient's rows claimed step by step, inside the pair's job
    public void DenseAtDegreeTwoIsBitIdentical(int batch, int inputs, int outputs)
    {
        float[] x = Reference.Random(batch * inputs, 1), w = Reference.Random(inputs * outputs, 2, -0.05f, 0.05f);
        float[] b = Reference.Random(outputs, 3), dy = Reference.Random(batch * outputs, 4);
        try
        {
            for (SimdLevel level = SimdLevel.Scalar; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                var runs = new float[3][][];
                for (int degree = 1; degree <= 2; degree++)
                {
                    runs[degree] = AtDegree(degree, () =>
                    {
                        float[] y = new float[batch * outputs], gw = new float[inputs * outputs], gb = new float[outputs], dx = new float[batch * inputs];
                        Dense.Forward(batch, inputs, outputs, x, w, b, y);
                        Dense.Backward(batch, inputs, outputs, x, w, dy, gw, gb, dx);
                        return new[] { y, gw, gb, dx };
                    });
                }

                for (int i = 0; i < 4; i++)
                {
                    Identical(runs[1][i], runs[2][i], $"dense {batch}x{inputs}x{outputs} output {i} {level}");
                }

                var (product, _) = Reference.Gemm(false, false, batch, outputs, inputs, x, w);
                for (int i = 0; i < product.Length; i++) product[i] += b[i % outputs];
                Reference.Close(runs[2][0], product, Tolerance, $"dense forward {level}");
                // The weight and input gradients (one job of the pool at degree 2 when both products are shared by blocks).
                var (weightGradient, _) = Reference.Gemm(true, false, inputs, outputs, batch, x, dy);
                Reference.Close(runs[2][1], weightGradient, Tolerance, $"dense weight gradient {level}");
                var (inputGradient, _) = Reference.Gemm(false, true, batch, inputs, outputs, dy, w);
                Reference.Close(runs[2][3], inputGradient, Tolerance, $"dense input gradient {level}");
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>Products cut into row blocks that the threads claim step by step (a large B): every transpose mode, with
    /// and without accumulation, several depth steps, a second column step past <see cref="GemmBlocked.NC"/> (2300 x 2100),
    /// row counts that leave a partial micro-panel; degree 2 equals degree 1 bit for bit and the reference, and the path is
    /// taken at degree 2 only.</summary>
    [Theory]
    [InlineData(300, 260, 300)]
    [InlineData(1031, 517, 700)]
    [InlineData(2300, 2100, 260)]
    public void GemmRowBlocksClaimedStepByStepAreBitIdentical(int m, int n, int k)
    {
        float[] a = Reference.Random(m * k, 11), b = Reference.Random(k * n, 12), c0 = Reference.Random(m * n, 13);
        var (product, _) = Reference.Gemm(false, false, m, n, k, a, b);
        try
        {
            // The scalar kernel takes seconds on the largest shape; the vector levels share its blocking, and GemmTests checks
            // 300 x 260 x 300 (this cut at degree 2) against the reference at the scalar level too.
            for (SimdLevel level = SimdLevel.Portable; level <= KernelDispatch.Supported; level++)
            {
                KernelDispatch.Level = level;
                foreach (bool ta in new[] { false, true })
                {
                    foreach (bool tb in new[] { false, true })
                    {
                        foreach (bool accumulate in new[] { false, true })
                        {
                            string what = $"{m}x{n}x{k} transA={ta} transB={tb} accumulate={accumulate} {level}";
                            var runs = new float[3][];
                            for (int degree = 1; degree <= 2; degree++)
                            {
                                runs[degree] = AtDegree(degree, () =>
                                {
                                    float[] c = (float[])c0.Clone();
                                    void Multiply()
                                    {
                                        c0.CopyTo(c, 0);
                                        Gemm.Multiply(ta, tb, m, n, k, a, b, c, accumulate);
                                    }

                                    if (degree == 1)
                                    {
                                        long before = GemmWorkers.SteppedRun;
                                        Multiply();
                                        Assert.True(GemmWorkers.SteppedRun == before, $"{what}: stepped path at degree 1");
                                    }
                                    else
                                    {
                                        UntilThePoolTakesIt(() => GemmWorkers.SteppedRun, Multiply, what);
                                    }

                                    return c;
                                });
                            }

                            Identical(runs[1], runs[2], what);
                            if (!ta && !tb)
                            {
                                // The other modes read the same floats through transposed packing (checked against the
                                // reference in GemmTests); one double-precision product of this size is enough here.
                                var expected = (double[])product.Clone();
                                if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] += c0[i];
                                Reference.Close(runs[2], expected, Tolerance, what);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            KernelDispatch.Reset();
        }
    }

    /// <summary>The calling thread is held on its first row block (step 0, block 0) until the helper, having done its own
    /// blocks and taken the calling thread's others, has claimed block 0 of step 1 too: it must then wait for the held
    /// step 0 (awake, then blocked) before adding to those rows. The product is still the one-thread product bit for bit
    /// (without the wait, the held step would overwrite the helper's sum).</summary>
    [Fact]
    public void A_held_thread_leaves_its_row_blocks_to_the_other_which_waits_for_its_step()
    {
        const int m = 1031, n = 517, k = 700; // 8 row blocks (participant 0 owns 0-3) and 3 depth steps at degree 2
        float[] a = Reference.Random(m * k, 21), b = Reference.Random(k * n, 22);
        float[] expected = AtDegree(1, () =>
        {
            var c = new float[m * n];
            Gemm.Multiply(false, false, m, n, k, a, b, c);
            return c;
        });
        var claims = new System.Collections.Concurrent.ConcurrentQueue<(int Participant, int Step, int Block)>();
        bool HelperClaimedTheHeldRowsNextStep() => claims.Contains((1, 1, 0));
        try
        {
            GemmWorkers.StepHook = (participant, step, block) =>
            {
                claims.Enqueue((participant, step, block));
                if (participant == 0 && step == 0 && block == 0)
                {
                    var held = System.Diagnostics.Stopwatch.StartNew();
                    while (!HelperClaimedTheHeldRowsNextStep() && held.Elapsed.TotalSeconds < 10) Thread.Sleep(1);
                }
            };
            // Waiting awake first (the default), and blocking at once (no awake time).
            foreach (int awake in new[] { KernelDispatch.DefaultAwakeMicroseconds, 0 })
            {
                claims.Clear();
                KernelDispatch.AwakeMicroseconds = awake;
                var actual = new float[m * n];
                AtDegree(2, () =>
                {
                    // The calling thread is held only if its first claim is its block 0 of step 0: a helper that starts
                    // first on a loaded machine may take every block of step 0 before the calling thread claims any.
                    for (int attempt = 0; attempt < 20 && !claims.Contains((0, 0, 0)); attempt++)
                    {
                        UntilThePoolTakesIt(() => GemmWorkers.SteppedRun, () =>
                        {
                            claims.Clear();
                            Gemm.Multiply(false, false, m, n, k, a, b, actual);
                        }, "held caller");
                    }

                    return 0;
                });
                Assert.True(claims.Contains((0, 0, 0)), "the calling thread never claimed its first block first");
                Identical(expected, actual, $"held caller, awake {awake} us");
                Assert.True(HelperClaimedTheHeldRowsNextStep(),
                    $"the helper never reached the held rows' next step; claims (participant, step, block): {string.Join(" ", claims)}");
                Assert.Contains(claims, e => e.Participant == 1 && e.Step == 0 && e.Block is > 0 and < 4);
                // Every (step, block) claimed exactly once.
                Assert.Equal(3 * 8, claims.Count);
                Assert.Equal(3 * 8, claims.Select(e => (e.Step, e.Block)).Distinct().Count());
            }
        }
        finally
        {
            GemmWorkers.StepHook = null;
            KernelDispatch.Reset();
        }
    }

    [Fact]
    public void An_affine_layers_two_gradient_products_run_as_one_job_at_degree_two()
    {
        const int batch = 100, inputs = 4320, outputs = 100;
        float[] x = Reference.Random(batch * inputs, 1), w = Reference.Random(inputs * outputs, 2), dy = Reference.Random(batch * outputs, 3);
        float[] gw = new float[inputs * outputs], gb = new float[outputs], dx = new float[batch * inputs];
        AtDegree(1, () =>
        {
            long before = GemmWorkers.PairsRun;
            Dense.Backward(batch, inputs, outputs, x, w, dy, gw, gb, dx);
            Assert.Equal(before, GemmWorkers.PairsRun);
            return 0;
        });
        AtDegree(2, () =>
        {
            UntilThePoolTakesIt(() => GemmWorkers.PairsRun, () => Dense.Backward(batch, inputs, outputs, x, w, dy, gw, gb, dx), "pair");
            // A pair whose weight gradient (400 x 260 over a batch of 300: a large B) has its rows claimed step by step.
            float[] x2 = Reference.Random(300 * 400, 4), w2 = Reference.Random(400 * 260, 5), dy2 = Reference.Random(300 * 260, 6);
            float[] gw2 = new float[400 * 260], gb2 = new float[260], dx2 = new float[300 * 400];
            UntilThePoolTakesIt(() => GemmWorkers.PairsRun, () => Dense.Backward(300, 400, 260, x2, w2, dy2, gw2, gb2, dx2), "stepped pair");
            long stepped = GemmWorkers.SteppedRun;
            UntilThePoolTakesIt(() => GemmWorkers.PairsRun, () => Dense.Backward(300, 400, 260, x2, w2, dy2, gw2, gb2, dx2), "stepped pair");
            Assert.True(GemmWorkers.SteppedRun > stepped, "the pair's weight gradient did not take the stepped cut");
            // Without an input gradient there is one product, as before.
            long before = GemmWorkers.PairsRun;
            Dense.Backward(batch, inputs, outputs, x, w, dy, gw, gb, Span<float>.Empty);
            Assert.Equal(before, GemmWorkers.PairsRun);
            return 0;
        });
    }

    /// <summary>The kernels of a training step that share work among threads (convolutions with and without padding, ReLU,
    /// max pooling, affine, batch norm), each with its buffers.</summary>
    private sealed class KernelStep
    {
        private readonly int _batch;
        private readonly ConvGeometry _conv = new(1, 28, 28, 30, 5, 1, 0), _padded = new(3, 16, 16, 8, 3, 1, 1);
        private readonly ConvGeometry _pool = new(30, 24, 24, 30, 2, 2, 0);
        private readonly float[] _x, _w, _b, _dy, _y, _r, _gw, _gb, _ws;
        private readonly float[] _xp, _wp, _yp, _dxp, _gwp, _wsp, _pooled, _dpool;
        private readonly byte[] _arg;
        private readonly float[] _d, _dw, _dyd, _gwd, _gbd, _dxd, _hat, _inv, _rm, _rv, _gamma;

        public KernelStep(int batch)
        {
            _batch = batch;
            _x = Reference.Random(_batch * _conv.InputSize, 1); _w = Reference.Random(_conv.WeightSize, 2); _b = Reference.Random(30, 3);
            _dy = Reference.Random(_batch * _conv.OutputSize, 4); _y = new float[_batch * _conv.OutputSize]; _r = new float[_y.Length];
            _gw = new float[_conv.WeightSize]; _gb = new float[30]; _ws = new float[Conv2D.WorkspaceSize(_conv)];
            _xp = Reference.Random(_batch * _padded.InputSize, 5); _wp = Reference.Random(_padded.WeightSize, 6);
            _yp = new float[_batch * _padded.OutputSize]; _dxp = new float[_xp.Length]; _gwp = new float[_padded.WeightSize];
            _wsp = new float[Conv2D.WorkspaceSize(_padded)];
            _pooled = new float[_batch * _pool.OutputSize]; _dpool = new float[_pooled.Length]; _arg = new byte[_pooled.Length];
            _d = Reference.Random(_batch * 4320, 7); _dw = Reference.Random(4320 * 100, 8); _dyd = new float[_batch * 100];
            _gwd = new float[4320 * 100]; _gbd = new float[100]; _dxd = new float[_batch * 4320];
            _hat = new float[_y.Length]; _inv = new float[30]; _rm = new float[30]; _rv = new float[30]; _gamma = Reference.Random(30, 9);
            _ga = Reference.Random(300 * 300, 10); _gbm = Reference.Random(300 * 260, 11); _gc = new float[300 * 260];
        }

        private readonly float[] _ga, _gbm, _gc;

        public void Run()
        {
            Conv2D.Forward(_conv, _batch, _x, _w, _b, _y, _ws);
            Activations.ReluForward(_y, _r);
            Pooling.MaxForward(_pool, _batch, _r, _pooled, _arg);
            Pooling.MaxBackward(_pool, _batch, _dpool, _arg, _r);
            Activations.ReluBackward(_y, _r, _r);
            Conv2D.BackwardFilter(_conv, _batch, _x, _dy, _gw, _gb, _ws);
            Conv2D.Forward(_padded, _batch, _xp, _wp, ReadOnlySpan<float>.Empty, _yp, _wsp);
            Conv2D.BackwardData(_padded, _batch, _yp, _wp, _dxp, _wsp);
            Conv2D.BackwardFilter(_padded, _batch, _xp, _yp, _gwp, Span<float>.Empty, _wsp);
            Dense.Forward(_batch, 4320, 100, _d, _dw, _gbd, _dyd);
            Dense.Backward(_batch, 4320, 100, _d, _dw, _dyd, _gwd, _gbd, _dxd);
            BatchNorm.ForwardTraining(_batch, 30, 576, 0.9f, 1e-5f, _y, _gamma, _gamma, _rm, _rv, _hat, _inv, _r);
            BatchNorm.Backward(_batch, 30, 576, _y, _hat, _inv, _gamma, _rm, _rv, _r);
            Gemm.Multiply(false, false, 300, 260, 300, _ga, _gbm, _gc); // rows claimed step by step at degree 2
        }
    }

    [Fact]
    public void NoAllocationAfterWarmUpAtDegreeTwo()
    {
        AtDegree(2, () =>
        {
            var step = new KernelStep(33);

            // One step sizes the calling thread's buffers and the jobs' scratch; a job sizes the helpers' pack buffers before
            // they join, so a helper allocates nothing however late it first takes part (the back-off is cleared before each
            // step so that they do).
            ParallelBlocks.ResetBackoff();
            step.Run();
            long helpersAfterWarmUp = ParallelBlocks.HelperAllocatedBytes, jobsAfterWarmUp = ParallelBlocks.HelperJobs;
            for (int i = 0; i < 20; i++)
            {
                ParallelBlocks.ResetBackoff();
                step.Run();
            }

            Assert.Equal(helpersAfterWarmUp, ParallelBlocks.HelperAllocatedBytes);
            Assert.True(ParallelBlocks.HelperJobs > jobsAfterWarmUp, "the helpers never took part, so the check above proves nothing");

            ParallelBlocks.ResetBackoff();
            long helpersBefore = ParallelBlocks.HelperAllocatedBytes;
            Assert.Equal(0, AllocationProbe.Least(() =>
            {
                for (int i = 0; i < 5; i++) step.Run();
            }));
            Assert.Equal(helpersBefore, ParallelBlocks.HelperAllocatedBytes);
            return 0;
        });
    }

    [Fact]
    public void A_warm_up_during_a_back_off_leaves_nothing_to_allocate_when_the_helpers_return()
    {
        // On a loaded machine the pool may be backing off for the whole warm-up: the jobs then run inline, and must still
        // size everything the helpers need, so the first steps they take part in allocate nothing.
        AtDegree(2, () =>
        {
            var step = new KernelStep(45);  // a batch no other test uses: nothing is sized by an earlier test
            ParallelBlocks.BackOff(milliseconds: 600_000);
            long jobsBefore = ParallelBlocks.HelperJobs;
            try
            {
                step.Run();
                Assert.Equal(jobsBefore, ParallelBlocks.HelperJobs);
            }
            finally
            {
                ParallelBlocks.ResetBackoff();
            }

            long helpersBefore = ParallelBlocks.HelperAllocatedBytes;
            // One window, the first after the back-off: what it must not do is allocate once, late.
            Assert.Equal(0, AllocationProbe.Once(() =>
            {
                for (int i = 0; i < 3; i++)
                {
                    ParallelBlocks.ResetBackoff();
                    step.Run();
                }
            }));
            Assert.Equal(helpersBefore, ParallelBlocks.HelperAllocatedBytes);
            Assert.True(ParallelBlocks.HelperJobs > jobsBefore, "the helpers never took part, so the check above proves nothing");
            return 0;
        });
    }

    [Fact]
    public void Back_off_runs_the_same_split_inline_and_never_changes_a_result()
    {
        KernelDispatch.MaxDegreeOfParallelism = 2;
        try
        {
            var g = new ConvGeometry(1, 28, 28, 30, 5, 1, 0);
            const int batch = 16;
            float[] x = Reference.Random(batch * g.InputSize, 1), dy = Reference.Random(batch * g.OutputSize, 2);
            float[] ws = new float[Conv2D.WorkspaceSize(g)];
            float[] steady = new float[g.WeightSize], during = new float[g.WeightSize], gb = new float[30], gb2 = new float[30];
            ParallelBlocks.ResetBackoff();
            Conv2D.BackwardFilter(g, batch, x, dy, steady, gb, ws);

            // The filter gradient sums in ranges fixed by the configured degree; a back-off only runs them on this thread.
            ParallelBlocks.BackOff(milliseconds: 600_000);
            long jobs = ParallelBlocks.HelperJobs;
            Conv2D.BackwardFilter(g, batch, x, dy, during, gb2, ws);
            Assert.Equal(jobs, ParallelBlocks.HelperJobs);
            Assert.Equal(steady, during);
            Assert.Equal(gb, gb2);
        }
        finally
        {
            ParallelBlocks.ResetBackoff();
            KernelDispatch.Reset();
        }
    }
}
