namespace CnnGen.Metrics
{
    /// <summary>One annotated object: the image it belongs to, its class and its box.</summary>
    /// <param name="Image">Identifier of the image (any integer).</param>
    /// <param name="Class">Class identifier (any integer).</param>
    /// <param name="Box">The true box; must be valid (<see cref="BoundingBox.IsValid"/>).</param>
    public readonly record struct GroundTruth(int Image, int Class, BoundingBox Box);
}
