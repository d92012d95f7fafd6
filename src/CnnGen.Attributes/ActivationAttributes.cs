namespace CnnGen
{
    /// <summary>Rectified linear unit, <c>max(0, x)</c>, elementwise; the shape is unchanged.</summary>
    public sealed class ReluAttribute : LayerAttribute
    {
    }

    /// <summary>Logistic sigmoid, <c>1 / (1 + e^-x)</c>, elementwise; the shape is unchanged.</summary>
    public sealed class SigmoidAttribute : LayerAttribute
    {
    }

    /// <summary>Hyperbolic tangent, elementwise; the shape is unchanged.</summary>
    public sealed class TanhAttribute : LayerAttribute
    {
    }
}
