namespace CnnGen.Metrics
{
    /// <summary>One predicted box: the image it belongs to, its class, the detector's confidence and the box.</summary>
    /// <param name="Image">Identifier of the image (any integer; detections and ground truths are paired by it).</param>
    /// <param name="Class">Class identifier (any integer).</param>
    /// <param name="Confidence">Detector score; higher ranks first. Must not be NaN.</param>
    /// <param name="Box">The predicted box; must be valid (<see cref="BoundingBox.IsValid"/>).</param>
    public readonly record struct Detection(int Image, int Class, float Confidence, BoundingBox Box);
}
