using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using System.Security.Claims;

namespace OrderEngine.Api.Dashboard.Components;

/// <summary>
/// What every dashboard page shares: the data facade, the signed-in user and its roles (to show only the actions they
/// allow; the server checks again on each), the last action's message, and an optional server-side refresh pushed to the
/// page over its circuit.
/// </summary>
public class DashboardPage : ComponentBase, IDisposable
{
    private Timer? _timer;
    private int _refreshing;

    [Inject] protected DashboardData Data { get; set; } = default!;
    [Inject] protected NavigationManager Nav { get; set; } = default!;
    [Inject] protected ILogger<DashboardPage> Log { get; set; } = default!;
    [CascadingParameter] protected Task<AuthenticationState> AuthState { get; set; } = default!;

    protected ClaimsPrincipal User { get; private set; } = new();

    /// <summary>The outcome of the last action: (true, message) done, (false, message) refused.</summary>
    protected ActionResult? Message { get; set; }

    protected CancellationToken Aborted => _cts.Token;
    private readonly CancellationTokenSource _cts = new();

    protected bool Can(DashboardAction action) => DashboardAccess.Allows(User, action);

    protected override async Task OnInitializedAsync()
    {
        User = (await AuthState).User;
        await LoadSafeAsync();
    }

    /// <summary>Reads what the page shows.</summary>
    protected virtual Task LoadAsync() => Task.CompletedTask;

    private async Task LoadSafeAsync()
    {
        try { await LoadAsync(); }
        catch (Exception e) when (e is not OperationCanceledException || !_cts.IsCancellationRequested)
        {
            Log.LogWarning(e, "a dashboard page could not read its data");
            Message = ActionResult.Refused("could not read: " + e.GetBaseException().Message);
        }
    }

    /// <summary>Reloads the page's data every <paramref name="every"/> on the server and pushes the result to the browser.</summary>
    protected void RefreshEvery(TimeSpan every)
    {
        _timer?.Dispose();
        _timer = new Timer(_ => _ = RefreshAsync(), null, every, every);
    }

    private async Task RefreshAsync()
    {
        if (_cts.IsCancellationRequested || Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        try
        {
            await InvokeAsync(async () =>
            {
                await LoadSafeAsync();
                StateHasChanged();
            });
        }
        catch (Exception) when (_cts.IsCancellationRequested)
        {
            // The page was closed while it refreshed.
        }
        catch (Exception e)
        {
            Log.LogDebug(e, "a dashboard page could not refresh");
        }
        finally { Volatile.Write(ref _refreshing, 0); }
    }

    /// <summary>Runs an action and shows its outcome; a refused role or a revoked key is shown, never thrown at the circuit.</summary>
    protected async Task Act(Func<Task<ActionResult>> action)
    {
        try { Message = await action(); }
        catch (UnauthorizedAccessException e) { Message = ActionResult.Refused(e.Message); }
        catch (Exception e) when (e is not OperationCanceledException || !_cts.IsCancellationRequested)
        {
            Log.LogWarning(e, "a dashboard action failed");
            Message = ActionResult.Refused("failed: " + e.GetBaseException().Message);
        }
        await LoadSafeAsync();
    }

    public virtual void Dispose()
    {
        _timer?.Dispose();
        _cts.Cancel();
        GC.SuppressFinalize(this);
    }
}
