#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates MemMap: a thin front door over dotnet.
.DESCRIPTION
    Build    (default) dotnet build: leaves the importable module in out/MemMap and its package
             out/MemMap.<version>.nupkg.
    Test     Build, then the xunit suite, then the Pester suite (when Pester 5 is installed); ends
             with one line "N passed, N failed, N skipped" (a Pester suite that could not run counts
             its tests as skipped) and a non-zero exit code on failure.
    Docs     Build; where platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is installed, also check every
             docs page with Test-MarkdownCommandHelp and make the MAML with it instead of the build's
             own converter.
    Package  Build in Release and name the package: out/MemMap.<version>.nupkg, laid out as
             Publish-PSResource lays it out (the dotnet-only equivalent is
             `dotnet build build/Package -c Release`).
    Demo     Build, then show the four kinds of mapping in this session.
    Clean    Remove out/ and every bin/ and obj/.
.PARAMETER Task
    What to do: Build, Test, Docs, Package, Demo or Clean.
.PARAMETER Configuration
    The dotnet build configuration, Debug or Release (Package always builds Release).
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Package
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Demo', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
$out = Join-Path -Path $PSScriptRoot -ChildPath 'out'
$module = Join-Path -Path $out -ChildPath 'MemMap' -AdditionalChildPath 'MemMap.psd1'
$solution = Join-Path -Path $PSScriptRoot -ChildPath 'MemMap.slnx'

function Invoke-Dotnet {
    <# Runs dotnet with these arguments and stops the build when it fails. #>
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments[0]) failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    <# dotnet build of the whole solution: module folder, help and package. #>
    param([string] $BuildConfiguration = $Configuration)
    Invoke-Dotnet build $solution -c $BuildConfiguration --nologo
}

function Get-PesterTestCount {
    <# The It blocks of the Pester files, counted without running them (for a skipped suite). #>
    $files = Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'tests') -Filter '*.Tests.ps1'
    $count = 0
    foreach ($file in $files) {
        $ast = [Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref] $null, [ref] $null)
        $count += @($ast.FindAll({ param($node) $node -is [Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'It' }, $true)).Count
    }
    $count
}

function Invoke-Test {
    <# xunit, then Pester; one summary line; exit code 1 on any failure. #>
    Invoke-Build
    $counts = @{ Passed = 0; Failed = 0; Skipped = 0 }
    dotnet test $solution -c $Configuration --no-build --nologo | ForEach-Object -Process {
        $_
        if ($_ -match 'Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+)') {
            $counts.Failed += [int]$Matches[1]; $counts.Passed += [int]$Matches[2]; $counts.Skipped += [int]$Matches[3]
        }
    }
    if ($LASTEXITCODE -ne 0 -and $counts.Failed -eq 0) { $counts.Failed++ } # a crash or build break counts

    $pester = Get-Module -Name Pester -ListAvailable | Where-Object -Property Version -GE -Value ([version]'5.0') |
        Sort-Object -Property Version -Descending | Select-Object -First 1
    if ($pester) {
        # By its path: a Pester directly in a PSModulePath folder (no version folder) imports this way too.
        Import-Module -Name $pester.Path -Force
        $configuration = New-PesterConfiguration
        $configuration.Run.Path = Join-Path -Path $PSScriptRoot -ChildPath 'tests'
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = 'Detailed'
        $result = Invoke-Pester -Configuration $configuration
        $counts.Passed += $result.PassedCount
        $counts.Failed += $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
        $counts.Skipped += $result.SkippedCount + $result.NotRunCount
    }
    else {
        $skipped = Get-PesterTestCount
        $counts.Skipped += $skipped
        Write-Warning -Message "Pester 5 is not installed: the Pester suite ($skipped tests) was SKIPPED (Install-Module Pester -MinimumVersion 5.0)."
    }

    "$($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    if ($counts.Failed -gt 0) { exit 1 }
}

function Invoke-Doc {
    <# The help: the build's converter always; platyPS 1.0's check and MAML where it is installed. #>
    Invoke-Build
    $platyPS = Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable | Sort-Object -Property Version -Descending | Select-Object -First 1
    if (-not $platyPS) {
        Write-Warning -Message 'platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is not installed: the help was made by the build''s converter only.'
        return
    }
    Import-Module -Name $platyPS.Path -Force
    $pages = Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'docs') -Filter '*.md' | Where-Object -Property Name -NotLike 'about_*'
    $failed = $pages | Where-Object -FilterScript { -not (Test-MarkdownCommandHelp -Path $_.FullName) }
    if ($failed) { throw "platyPS 1.0 rejects: $($failed.Name -join ', ') (Test-MarkdownCommandHelp -DetailView shows why)." }
    $staging = Join-Path -Path $out -ChildPath 'platyps'
    $pages | Import-MarkdownCommandHelp | Export-MamlCommandHelp -OutputFolder $staging -Force | Out-Null
    $maml = Get-ChildItem -Path $staging -Filter '*-Help.xml' -Recurse | Select-Object -First 1
    Copy-Item -LiteralPath $maml.FullName -Destination (Join-Path -Path $out -ChildPath 'MemMap' -AdditionalChildPath 'en-US', 'MemMap.dll-Help.xml') -Force
    Remove-Item -LiteralPath $staging -Recurse -Force
    "Help: $($pages.Count) pages checked and converted by platyPS $($platyPS.Version)."
}

function Invoke-Package {
    <# The Gallery package, built in Release. #>
    Invoke-Build -BuildConfiguration Release
    $version = (Import-PowerShellDataFile -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'MemMap.psd1')).ModuleVersion
    Get-Item -LiteralPath (Join-Path -Path $out -ChildPath "MemMap.$version.nupkg")
}

function Invoke-Demo {
    <# The four kinds of mapping, shown in this session. #>
    Invoke-Build
    Import-Module -Name $module -Force
    $file = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath "memmap-demo-$PID.txt"
    Set-Content -LiteralPath $file -Value 'hello from the file' -NoNewline
    try {
        Write-Information -MessageData "`n1. Shared file mapping: writes reach the file." -InformationAction Continue
        $shared = New-MemoryMapping -Path $file
        Set-MappedBytes -Mapping $shared -Offset 0 -String 'HELLO' -PassThru | Sync-MemoryMapping
        "   file now says: $(Get-Content -LiteralPath $file)"

        Write-Information -MessageData "`n2. Private file mapping: copy-on-write, the file never changes." -InformationAction Continue
        $private = New-MemoryMapping -Path $file -Private
        Set-MappedBytes -Mapping $private -Offset 0 -String 'PRIVATE'
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

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Docs' { Invoke-Doc }
    'Package' { Invoke-Package }
    'Demo' { Invoke-Demo }
    'Clean' {
        if ($PSCmdlet.ShouldProcess($PSScriptRoot, 'Remove out/ and every bin/ and obj/')) {
            Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore
            Get-ChildItem -Path $PSScriptRoot -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
        }
    }
}
