global using CnnGen.Generator.Model;
global using CnnGen.Generator.Planning;
