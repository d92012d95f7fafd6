#!/usr/bin/env bash
# Packs CnnGen, then builds two fresh consumer projects from the .nupkg through a local folder feed:
# one with a bad shape, which must fail with CNN001 on the offending attribute's line, and one that runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="0.1.0-local.$(date +%s)"

dotnet pack "$root/src/CnnGen.Runtime/CnnGen.Runtime.csproj" -c Release -o "$work/feed" -p:Version="$version" -nologo -v quiet
echo "packed: $(ls "$work/feed")"
unzip -l "$work/feed/CnnGen.$version.nupkg" | grep -E "lib/net10.0/CnnGen.(Runtime|Attributes).dll|analyzers/dotnet/cs/CnnGen.Generator.dll" | sort

make_consumer() {
  local dir="$1" program="$2"
  mkdir -p "$dir"
  cat > "$dir/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML
  # Keep the default sources too (the package's own dependencies come from there).
  sed -i 's#<packageSources>#<packageSources>#' "$dir/nuget.config"
  cat > "$dir/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <RestorePackagesPath>$work/packages</RestorePackagesPath>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="CnnGen" Version="$version" />
  </ItemGroup>
</Project>
XML
  printf '%s\n' "$program" > "$dir/Program.cs"
}

make_consumer "$work/bad" 'using CnnGen;
[Input(1, 5, 5)]
[Conv(30, 7)] [Relu] [Affine(10)] [SoftmaxWithLoss]
public partial class Broken { }
public static class Program { public static void Main() { } }'

if dotnet build "$work/bad" -nologo -v quiet > "$work/bad.log" 2>&1; then
  cat "$work/bad.log"; echo "FAIL: a network with a bad shape built"; exit 1
fi
if ! grep -q "Program.cs(3,2): error CNN001: Conv(30, 7) on input 1x5x5: output height (5 - 7 + 2\*0)/1 + 1 = -1 is below 1" "$work/bad.log"; then
  cat "$work/bad.log"; echo "FAIL: expected CNN001 at Program.cs(3,2)"; exit 1
fi
echo "ok: bad shape fails the build with CNN001 at Program.cs(3,2)"

make_consumer "$work/good" 'using System;
using CnnGen;
[Input(1, 28, 28)]
[Conv(30, 5)] [Relu] [MaxPool(2)]
[Affine(100)] [Relu] [Affine(10)] [SoftmaxWithLoss]
public partial class SimpleConvNet { }
public static class Program
{
    public static int Main()
    {
        var net = new SimpleConvNet(seed: 1);
        var x = new float[2 * SimpleConvNet.InputSize];
        var optimizer = new CnnGen.Training.Adam(0.001f);
        float first = net.TrainStep(x, new[] { 3, 7 }, optimizer), last = first;
        for (int i = 0; i < 20; i++) last = net.TrainStep(x, new[] { 3, 7 }, optimizer);
        Console.WriteLine($"params={SimpleConvNet.ParameterCount} loss {first:F4} -> {last:F4}");
        return last < first ? 0 : 1;
    }
}'
dotnet build "$work/good" -nologo -v quiet -warnaserror
dotnet run --project "$work/good" --no-build
echo "ok: packaged network builds without warnings and trains"
