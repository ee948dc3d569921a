namespace OrderEngine.Testing;

/// <summary>A unique scratch directory under the system temp path that is deleted again on Dispose, so tests leave nothing behind.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates a fresh, empty directory named <c>orderengine-test-*</c> under <see cref="System.IO.Path.GetTempPath"/>.</summary>
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("orderengine-test-").FullName;
    }

    /// <summary>Full path of the directory.</summary>
    public string Path { get; }

    /// <summary>Returns the path of <paramref name="name"/> inside this directory (the file is not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Deletes the directory recursively; IO and permission errors are ignored.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
