using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Cli;
using Microsoft.ML.Pruning.Tests.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class CommandDataTests
{
    [TestMethod]
    public void ImageFolder_ClassFolders_GiveKeyLabelsAndResizedChwPixels()
    {
        using var fixture = new CliFixture();
        string folder = fixture.PathOf("images");
        WritePng(Path.Combine(folder, "cat", "a.png"), 8, 8, SKColors.White);
        WritePng(Path.Combine(folder, "cat", "b.png"), 6, 10, SKColors.Black);
        WritePng(Path.Combine(folder, "dog", "c.jpg"), 8, 8, SKColors.White, SKEncodedImageFormat.Jpeg);
        string modelPath = fixture.PathOf("image.onnx");
        InputModels.Image().Save(modelPath); // image [N, 1, 4, 4] → Score [N, 3]
        var columns = ModelColumns.Resolve(Onnx.OnnxModel.Load(modelPath), modelPath, null, null);

        var rows = CommandData.Load(new MLContext(1), folder, "--data", modelPath, columns, "Label", labelRequired: true, LabelKind.Auto);

        Assert.HasCount(3, rows.Features);
        Assert.HasCount(16, rows.Features[0]);
        Assert.IsTrue(rows.Features[0].All(v => v > 0.99f), "white is 1");
        Assert.IsTrue(rows.Features[1].All(v => v < 0.01f), "black is 0");
        var label = rows.Data.Schema["Label"];
        Assert.IsInstanceOfType<KeyDataViewType>(label.Type);
        uint[] keys = [.. rows.Data.GetColumn<uint>(label)];
        CollectionAssert.AreEqual(new uint[] { 1, 1, 2 }, keys, "cat is class 0 (key 1), dog class 1");
        Assert.AreEqual(16, ((VectorDataViewType)rows.Data.Schema["image"].Type).Size);
    }

    [TestMethod]
    public void ImageFolder_PruneAndVerify_RunOnImages()
    {
        using var fixture = new CliFixture();
        string folder = fixture.PathOf("images");
        for (int i = 0; i < 4; i++) WritePng(Path.Combine(folder, i % 2 == 0 ? "a" : "b", $"{i}.png"), 5, 5, new SKColor((byte)(40 * i), 90, 200));
        string modelPath = fixture.PathOf("image.onnx");
        InputModels.Image().Save(modelPath);
        string pruned = fixture.PathOf("pruned.onnx");

        var (exit, _, stderr) = CliFixture.Run("prune", modelPath, "--method", "wanda", "--sparsity", "0.5", "--data", folder, "-o", pruned);
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        (exit, _, stderr) = CliFixture.Run("verify", modelPath, modelPath, "--data", folder);
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
    }

    [TestMethod]
    public void Csv_TextLabels_BecomeKeysInSortedOrder()
    {
        using var fixture = new CliFixture();
        string path = fixture.PathOf("text.csv");
        File.WriteAllText(path, "Kind,a,b,c,d,e,f,g,h\nzebra,1,2,3,4,5,6,7,8\nant,1,2,3,4,5,6,7,8\nzebra,0,0,0,0,0,0,0,0\n");
        var columns = ModelColumns.Resolve(Onnx.OnnxModel.Load(fixture.ModelPath), fixture.ModelPath, null, null);
        var rows = CommandData.Load(new MLContext(1), path, "--data", fixture.ModelPath, columns, "Kind", labelRequired: true, LabelKind.Auto);
        CollectionAssert.AreEqual(new uint[] { 2, 1, 2 }, rows.Data.GetColumn<uint>(rows.Data.Schema["Kind"]).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, rows.Features[0]);
    }

    private static void WritePng(string path, int width, int height, SKColor color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }
}
