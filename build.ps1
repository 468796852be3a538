#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates MemMap: a thin front door over dotnet.
.DESCRIPTION
    Build    (default) dotnet build: leaves the importable module in out/MemMap and its package
             out/MemMap.<version>.nupkg.
    Test     Build, then the xunit suite, then the Pester suite with the Pester the build restored
             from NuGet; ends with one line "N passed, N failed, N skipped" and a non-zero exit code
             on failure.
    Docs     Build; where platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is installed, also check every
             docs page with Test-MarkdownCommandHelp and write platyPS's own MAML to
             out/help-platyps to compare with the build's.
    Package  Build in Release and name the package: out/MemMap.<version>.nupkg, laid out as
             Publish-PSResource lays it out (the dotnet-only equivalent is
             `dotnet build build/Package -c Release`).
    Demo     Build, then show the four kinds of mapping in this session.
    Clean    Remove out/ and every bin/ and obj/.
    Mutation Stryker.NET (the pinned dotnet-stryker) on the safety-critical files of MemMap.Core,
             one file per run with --concurrency 1 (-MutationFile picks them; default: every file
             in tests/MemMap.Core.Tests/stryker-config.json); reports in
             tests/MemMap.Core.Tests/StrykerOutput. Minutes per file, hours for all on 2 cores: never
             part of Test or CI. docs/performance/testing.md has the scores.
.PARAMETER Task
    What to do: Build, Test, Docs, Package, Demo, Clean or Mutation.
.PARAMETER Configuration
    The dotnet build configuration, Debug or Release (Package always builds Release).
.PARAMETER MutationFile
    For Mutation: the file names to mutate, such as MemoryMapping.Sync.cs.
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Package
.EXAMPLE
    ./build.ps1 -Task Mutation -MutationFile MemoryMapping.Sync.cs
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Demo', 'Clean', 'Mutation')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [string[]] $MutationFile
)

$ErrorActionPreference = 'Stop'
$out = Join-Path -Path $PSScriptRoot -ChildPath 'out'
$module = Join-Path -Path $out -ChildPath 'MemMap' -AdditionalChildPath 'MemMap.psd1'
$solution = Join-Path -Path $PSScriptRoot -ChildPath 'MemMap.slnx'

function Invoke-Dotnet {
    <# Runs dotnet with these arguments and stops the build when it fails. #>
    param([Parameter(Mandatory)] [string[]] $Arguments)
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments[0]) failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    <# dotnet build of the whole solution: module folder, help and package. #>
    param([Parameter(Mandatory)] [string] $BuildConfiguration)
    Invoke-Dotnet -Arguments 'build', $solution, '-c', $BuildConfiguration, '--nologo'
}

function Get-RestoredPester {
    <#
    The Pester that the test project restores from NuGet (a PackageDownload of PesterVersion in
    Directory.Build.props), by path: nothing is installed into a module path, nothing is fetched here.
    #>
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Directory.Build.props'))
    $version = @($props.Project.PropertyGroup.PesterVersion | Where-Object { $_ })[0]
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) { $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '' }
    $manifest = Join-Path -Path $packages -ChildPath "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "Pester $version is not in the NuGet packages folder ($manifest): run 'dotnet restore MemMap.slnx', which downloads it."
    }
    $manifest
}

function Invoke-Test {
    <# xunit, then Pester; one summary line; exit code 1 on any failure. #>
    param([Parameter(Mandatory)] [string] $BuildConfiguration)
    Invoke-Build -BuildConfiguration $BuildConfiguration
    $counts = @{ Passed = 0; Failed = 0; Skipped = 0 }
    dotnet test $solution -c $BuildConfiguration --no-build --nologo | ForEach-Object -Process {
        $_
        if ($_ -match 'Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+)') {
            $counts.Failed += [int]$Matches[1]; $counts.Passed += [int]$Matches[2]; $counts.Skipped += [int]$Matches[3]
        }
    }
    if ($LASTEXITCODE -ne 0 -and $counts.Failed -eq 0) { $counts.Failed++ } # a crash or build break counts

    Import-Module -Name (Get-RestoredPester) -Force
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = Join-Path -Path $PSScriptRoot -ChildPath 'tests'
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $configuration
    $counts.Passed += $result.PassedCount
    $counts.Failed += $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    $counts.Skipped += $result.SkippedCount + $result.NotRunCount
    # Only the checks that need a module no registry serves may skip; say which.
    foreach ($tool in 'PSScriptAnalyzer', 'Microsoft.PowerShell.PlatyPS') {
        if (-not (Get-Module -Name $tool -ListAvailable)) { "Skipped: $tool is not installed (the checks that need it did not run)." }
    }

    "$($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    if ($counts.Failed -gt 0) { exit 1 }
}

function Invoke-Doc {
    <#
    The help: the build's help compiler (build/HelpCompiler) makes the module's MAML; where platyPS
    1.0 is installed, every page must also pass Test-MarkdownCommandHelp and import with no warning,
    and platyPS's own MAML is written to out/help-platyps for comparison (tests/Help.Tests.ps1
    compares the two). The module keeps the compiler's MAML: platyPS 1.0.3 marks a parameter that is
    required in one set and optional in another (New-MemoryMapping -Length) required, where the
    compiler marks it required only if every set requires it and leaves each set's to the syntax.
    #>
    param([Parameter(Mandatory)] [string] $BuildConfiguration)
    Invoke-Build -BuildConfiguration $BuildConfiguration
    $platyPS = Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable | Sort-Object -Property Version -Descending | Select-Object -First 1
    if (-not $platyPS) {
        Write-Warning -Message 'platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is not installed: the pages were not checked by it.'
        return
    }
    Import-Module -Name $platyPS.Path -Force
    $pages = Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'docs') -Filter '*.md'
    $problems = foreach ($page in $pages) {
        $type = (Measure-PlatyPSMarkdown -Path $page.FullName).FileType.ToString()
        if ($type -notmatch 'V2Schema') { "$($page.Name): not in platyPS 1.0's schema ($type)" }
        if ($type -match 'CommandHelp') {
            if (-not (Test-MarkdownCommandHelp -Path $page.FullName)) { "$($page.Name): Test-MarkdownCommandHelp fails (-DetailView shows why)" }
            (Import-MarkdownCommandHelp -Path $page.FullName).Diagnostics.Messages |
                Where-Object -Property Severity -NE -Value 'Information' | ForEach-Object -Process { "$($page.Name): $($_.Message) $($_.Identifier)" }
        }
    }
    if ($problems) { throw "platyPS $($platyPS.Version) reports:`n$($problems -join "`n")" }
    $staging = Join-Path -Path $out -ChildPath 'help-platyps'
    $pages | Where-Object -Property Name -NotLike 'about_*' | Import-MarkdownCommandHelp | Export-MamlCommandHelp -OutputFolder $staging -Force | Out-Null
    "Help: $($pages.Count) pages pass platyPS $($platyPS.Version); its MAML, for comparison, is in $staging."
}

function Invoke-Package {
    <# The Gallery package, built in Release. #>
    Invoke-Build -BuildConfiguration Release
    $version = (Import-PowerShellDataFile -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'MemMap.psd1')).ModuleVersion
    Get-Item -LiteralPath (Join-Path -Path $out -ChildPath "MemMap.$version.nupkg")
}

function Invoke-Demo {
    <# The four kinds of mapping, shown in this session. #>
    param([Parameter(Mandatory)] [string] $BuildConfiguration)
    Invoke-Build -BuildConfiguration $BuildConfiguration
    Import-Module -Name $module -Force
    $file = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath "memmap-demo-$PID.txt"
    Set-Content -LiteralPath $file -Value 'hello from the file' -NoNewline
    try {
        Write-Information -MessageData "`n1. Shared file mapping: writes reach the file." -InformationAction Continue
        $shared = New-MemoryMapping -Path $file
        Set-MappedByte -Mapping $shared -Offset 0 -String 'HELLO' -PassThru | Sync-MemoryMapping
        "   file now says: $(Get-Content -LiteralPath $file)"

        Write-Information -MessageData "`n2. Private file mapping: copy-on-write, the file never changes." -InformationAction Continue
        $private = New-MemoryMapping -Path $file -Private
        Set-MappedByte -Mapping $private -Offset 0 -String 'PRIVATE'
        "   mapping says:   $(Get-MappedByte -Mapping $private -AsString)"
        "   file still says: $(Get-Content -LiteralPath $file)"

        Write-Information -MessageData "`n3. Shared and 4. private anonymous memory: zero-filled pages." -InformationAction Continue
        $anonymous = New-MemoryMapping -Anonymous -Length 16
        New-MemoryMapping -Anonymous -Length 16 -Private | Out-Null
        Get-MappedByte -Mapping $anonymous | Format-Hex

        Write-Information -MessageData 'Protection is enforced without crashing the session:' -InformationAction Continue
        Set-MappingProtection -Mapping $shared -Protection None
        Get-MappedByte -Mapping $shared -Count 4 -ErrorAction Continue

        Get-MemoryMapping | Format-Table
    }
    finally {
        Get-MemoryMapping | Remove-MemoryMapping
        Remove-Item -LiteralPath $file
    }
}

function Invoke-Mutation {
    <# Stryker.NET on each file, one run per file so each gets its own score and time. #>
    param([string[]] $File)
    Invoke-Dotnet -Arguments 'tool', 'restore'
    $tests = Join-Path -Path $PSScriptRoot -ChildPath 'tests/MemMap.Core.Tests'
    if (-not $File) {
        $config = Get-Content -Raw -LiteralPath (Join-Path -Path $tests -ChildPath 'stryker-config.json') | ConvertFrom-Json
        $File = $config.'stryker-config'.mutate -replace '^\*\*/', ''
    }
    Push-Location -LiteralPath $tests
    try {
        foreach ($name in $File) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Invoke-Dotnet -Arguments 'stryker', '--concurrency', '1', '--mutate', "**/$name"
            "${name}: $([Math]::Round($clock.Elapsed.TotalMinutes, 1)) min"
        }
    }
    finally { Pop-Location }
}

switch ($Task) {
    'Build' { Invoke-Build -BuildConfiguration $Configuration }
    'Test' { Invoke-Test -BuildConfiguration $Configuration }
    'Docs' { Invoke-Doc -BuildConfiguration $Configuration }
    'Package' { Invoke-Package }
    'Demo' { Invoke-Demo -BuildConfiguration $Configuration }
    'Mutation' { Invoke-Mutation -File $MutationFile }
    'Clean' {
        if ($PSCmdlet.ShouldProcess($PSScriptRoot, 'Remove out/ and every bin/ and obj/')) {
            Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore
            Get-ChildItem -Path $PSScriptRoot -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
        }
    }
}
