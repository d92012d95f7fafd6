using CnnGen.Metrics;
using CnnGen.Plotting;

namespace CnnGen.Runtime.Tests.Metrics;

public class PrCurvePlotTests
{
    private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    [Fact]
    public void Saves_a_png()
    {
        float[] conf = { 0.95f, 0.85f, 0.78f, 0.75f, 0.66f, 0.55f, 0.43f, 0.32f, 0.25f, 0.10f };
        bool[] tp = { true, true, true, true, true, false, true, false, true, false };
        PrCurve curve = PrCurve.FromMarked(conf, tp, 15);
        string path = Path.Combine(Path.GetTempPath(), $"cnngen-pr-{Guid.NewGuid():N}.png");
        try
        {
            PrCurvePlot.Save(curve, path, "Licence plates");
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 5000, $"PNG is only {bytes.Length} bytes.");
            Assert.Equal(PngSignature, bytes.Take(8));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Saves_several_curves_and_tolerates_an_empty_one()
    {
        PrCurve a = PrCurve.FromMarked(new[] { 0.9f, 0.5f }, new[] { true, false }, 2);
        PrCurve empty = PrCurve.FromMarked(ReadOnlySpan<float>.Empty, ReadOnlySpan<bool>.Empty, 3);
        string path = Path.Combine(Path.GetTempPath(), $"cnngen-pr-{Guid.NewGuid():N}.png");
        try
        {
            PrCurvePlot.Save(new[] { ("cat", a), ("dog", empty) }, path, null, 320, 240);
            Assert.Equal(PngSignature, File.ReadAllBytes(path).Take(8));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
