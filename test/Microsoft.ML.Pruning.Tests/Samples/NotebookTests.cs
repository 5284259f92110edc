using System;
using System.Diagnostics;
using System.IO;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>The QuickStart notebook and its file-based twin run against the local build, so neither can rot.</summary>
[TestClass]
public sealed class NotebookTests
{
    private static string RepoRoot => RepositoryFiles.Root;

    private static string Notebooks => Path.Combine(RepoRoot, "samples", "Notebooks");

    [TestMethod]
    public void FileBasedApp_HasTheNotebooksCode()
    {
        string fromNotebook = NotebookProgram.FromNotebook(Path.Combine(Notebooks, "QuickStart.ipynb"));
        string app = NotebookProgram.BodyOfFileBasedApp(Path.Combine(Notebooks, "QuickStart.cs"));
        Assert.AreEqual(fromNotebook, app, "samples/Notebooks/QuickStart.cs must be the notebook's code cells (regenerate it from the notebook)");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void Notebook_CodeCells_RunAgainstLocalBuild()
    {
        string folder = Path.Combine(RepoRoot, "artifacts", "notebook-run");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), NotebookProgram.FromNotebook(Path.Combine(Notebooks, "QuickStart.ipynb")));
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
              </ItemGroup>
            </Project>
            """);
        var start = new ProcessStartInfo("dotnet", $"run -c Release --project \"{Path.Combine(folder, "NotebookRun.csproj")}\"")
        {
            WorkingDirectory = Notebooks,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string output = stdout + stderr.Result;
        Assert.AreEqual(0, process.ExitCode, output);
        StringAssert.Contains(output, "dense accuracy:");
        StringAssert.Contains(output, "pruned accuracy:");
        StringAssert.Contains(output, "lenet-pruned-90.onnx");
    }
}
