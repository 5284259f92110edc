using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>
/// The SweepResNet18 notebook (sensitivity and a sweep on ML.NET's ResNet18 featurizer, plots, the chosen model saved) and its
/// file-based twin run against the local build with the notebook's tiny settings (SWEEP_NOTEBOOK_QUICK=1), so neither can rot.
/// </summary>
[TestClass]
public sealed class SweepNotebookTests
{
    private static string RepoRoot => RepositoryFiles.Root;

    private static string Notebooks => Path.Combine(RepoRoot, "samples", "Notebooks");

    private static string Notebook => Path.Combine(Notebooks, "SweepResNet18.ipynb");

    [TestMethod]
    public void SweepFileBasedApp_HasTheNotebooksCode()
    {
        string fromNotebook = NotebookProgram.FromNotebook(Notebook);
        string app = NotebookProgram.BodyOfFileBasedApp(Path.Combine(Notebooks, "SweepResNet18.cs"));
        Assert.AreEqual(fromNotebook, app, "samples/Notebooks/SweepResNet18.cs must be the notebook's code cells (regenerate it from the notebook)");
    }

    [TestMethod]
    public void SweepNotebook_DisplayCalls_AreNotebookOnly()
    {
        string cells = File.ReadAllText(Notebook);
        StringAssert.Contains(cells, "display(HTML(", "the notebook shows its plots inline");
        string program = NotebookProgram.FromNotebook(Notebook);
        Assert.DoesNotContain("display(", program, "every display call must be marked '// notebook only': a program has no notebook to display in");
        StringAssert.Contains(program, ".SavePng(", "the program writes the plots as files instead");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void SweepNotebook_CodeCells_RunAgainstLocalBuild()
    {
        string folder = Path.Combine(RepoRoot, "artifacts", "notebook-run-sweep");
        string output = Path.Combine(folder, "output");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), NotebookProgram.FromNotebook(Notebook));
        File.WriteAllText(Path.Combine(folder, "NotebookRun.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{RepoRoot}/build/TorchSharpCpu.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <IsPackable>false</IsPackable>
                <ImplicitUsings>disable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{RepoRoot}/src/Trainers/Microsoft.ML.Pruning.Trainers.csproj" />
                <ProjectReference Include="{RepoRoot}/src/Plots/Microsoft.ML.Pruning.Plots.csproj" />
                <!-- The notebook reads ResNet18.onnx from the NuGet packages folder, where restoring this puts it. -->
                <PackageReference Include="Microsoft.ML.DnnImageFeaturizer.ResNet18" />
              </ItemGroup>
            </Project>
            """);
        var start = new ProcessStartInfo("dotnet", $"run -c Release --project \"{Path.Combine(folder, "NotebookRun.csproj")}\"")
        {
            WorkingDirectory = Notebooks,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SWEEP_NOTEBOOK_QUICK"] = "1";
        start.Environment["SWEEP_NOTEBOOK_OUTPUT"] = output;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string log = stdout + stderr.Result;
        Assert.AreEqual(0, process.ExitCode, log);
        StringAssert.Contains(log, "trial 1 (", log);
        StringAssert.Contains(log, "chosen model:", log);

        foreach (string plot in new[] { "sensitivity", "pareto-latency", "pareto-bytes", "fidelity-vs-sparsity", "chosen-layers" })
        {
            var png = new FileInfo(Path.Combine(output, plot + ".png"));
            Assert.IsTrue(png.Exists, $"{png.FullName} was not written.\n{log}");
            Assert.IsGreaterThan(0L, png.Length, $"{png.FullName} is empty.");
        }
        Assert.IsTrue(File.Exists(Path.Combine(output, "sweep", "trials.json")), $"the sweep's trial log is missing.\n{log}");
        Assert.IsTrue(File.Exists(Path.Combine(output, "report", "summary.md")), $"the Markdown report is missing.\n{log}");
        var chosen = OnnxModel.Load(Path.Combine(output, "resnet18-chosen.onnx"));
        Assert.IsTrue(chosen.Graph.Output.Any(o => o.Name == "Pooling395_Output_0"), "the chosen featurizer keeps ResNet18's output name");
        var dense = OnnxModel.Load(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));
        long Parameters(OnnxModel model) => model.GetPrunableWeights().Sum(w => w.ParameterCount);
        Assert.IsLessThan(Parameters(dense), Parameters(chosen), "the chosen featurizer has channels removed");
    }
}
