using Microsoft.VisualStudio.TestTools.UnitTesting;

// Every test builds its own models and temporary folders, so methods can run side by side.
[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]
