namespace CnnGen.Generator.Model
{
    /// <summary>The shape of one sample, C x H x W; flat data is <c>n x 1 x 1</c>.</summary>
    internal readonly record struct Shape(long Channels, long Height, long Width)
    {
        public long Size => Channels * Height * Width;

        public bool IsFlat => Height == 1 && Width == 1;

        public override string ToString() => IsFlat ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Channels}x{Height}x{Width}";
    }
}
