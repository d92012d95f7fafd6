using System;
using LeNetSample;

var net = new SimpleConvNet(1);
Console.WriteLine(SimpleConvNet.Summary);
var x = new float[2 * SimpleConvNet.InputSize];
var rng = new Random(1);
for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
var opt = new CnnGen.Training.Sgd(0.1f);
for (int i = 0; i < 20; i++) Console.WriteLine(net.TrainStep(x, new[] { 3, 7 }, opt));
return 0;
