#!/usr/bin/env bash
# Regenerates the committed C# client (src/OrderEngine.Client/OrderEngineClient.g.cs) from the OpenAPI document the
# engine serves, with the same NSwag settings the freshness test checks it against (tests/OrderEngine.Api.Tests/OpenApi/
# ClientGenerator.cs). Run it after changing an endpoint's contract, and commit the client with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERENGINE_REGENERATE_CLIENT=1 dotnet test tests/OrderEngine.Api.Tests/OrderEngine.Api.Tests.csproj \
  --filter 'FullyQualifiedName~GeneratedClientTests.The_committed_client_is_the_one_the_served_document_generates'
# The client project must still build with what was written.
dotnet build src/OrderEngine.Client/OrderEngine.Client.csproj
git --no-pager diff --stat -- src/OrderEngine.Client
