#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates MemMap: a thin front door over dotnet.
.DESCRIPTION
    Build   (default) dotnet build: leaves the importable module in out/MemMap.
    Test    Build, then the xunit suite, then the Pester suite (when Pester 5 is installed);
            ends with one line "N passed, N failed, N skipped" and a non-zero exit code on failure.
    Demo    Build, then show the four kinds of mapping in this session.
    Clean   Remove out/ and every bin/ and obj/.
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
$module = Join-Path $PSScriptRoot 'out' 'MemMap' 'MemMap.psd1'

function Invoke-Dotnet {
    dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args[0]) failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build { Invoke-Dotnet build (Join-Path $PSScriptRoot 'MemMap.slnx') -c $Configuration --nologo }

function Invoke-Test {
    Invoke-Build
    $counts = @{ Passed = 0; Failed = 0; Skipped = 0 }
    dotnet test (Join-Path $PSScriptRoot 'MemMap.slnx') -c $Configuration --no-build --nologo | ForEach-Object {
        $_
        if ($_ -match 'Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+)') {
            $counts.Failed += [int]$Matches[1]; $counts.Passed += [int]$Matches[2]; $counts.Skipped += [int]$Matches[3]
        }
    }
    if ($LASTEXITCODE -ne 0 -and $counts.Failed -eq 0) { $counts.Failed++ } # a crash or build break counts

    if (Get-Module -ListAvailable Pester | Where-Object Version -GE ([version]'5.0')) {
        Import-Module Pester -MinimumVersion 5.0
        $configuration = New-PesterConfiguration
        $configuration.Run.Path = Join-Path $PSScriptRoot 'tests'
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = 'Detailed'
        $pester = Invoke-Pester -Configuration $configuration
        $counts.Passed += $pester.PassedCount
        $counts.Failed += $pester.FailedCount + $pester.FailedBlocksCount + $pester.FailedContainersCount
        $counts.Skipped += $pester.SkippedCount + $pester.NotRunCount
    }
    else {
        Write-Warning 'Pester 5 is not installed: the Pester suite was SKIPPED (Install-Module Pester -MinimumVersion 5.0).'
    }

    "$($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    if ($counts.Failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Import-Module $module -Force
    $file = Join-Path ([IO.Path]::GetTempPath()) "memmap-demo-$PID.txt"
    Set-Content $file -Value 'hello from the file' -NoNewline
    try {
        Write-Host "`n1. Shared file mapping: writes reach the file." -ForegroundColor Cyan
        $shared = New-MemoryMapping $file
        Set-MappedByte $shared -Offset 0 -String 'HELLO' -PassThru | Sync-MemoryMapping
        "   file now says: $(Get-Content $file)"

        Write-Host "`n2. Private file mapping: copy-on-write, the file never changes." -ForegroundColor Cyan
        $private = New-MemoryMapping $file -Private
        Set-MappedByte $private -Offset 0 -String 'PRIVATE'
        "   mapping says:   $(Get-MappedByte $private -AsString)"
        "   file still says: $(Get-Content $file)"

        Write-Host "`n3. Shared and 4. private anonymous memory: zero-filled pages." -ForegroundColor Cyan
        $anonymous = New-MemoryMapping -Anonymous -Length 16
        New-MemoryMapping -Anonymous -Length 16 -Private | Out-Null
        Get-MappedByte $anonymous | Format-Hex

        Write-Host "Protection is enforced without crashing the session:" -ForegroundColor Cyan
        Set-MappingProtection $shared None
        Get-MappedByte $shared -Count 4 -ErrorAction Continue

        Get-MemoryMapping | Format-Table
    }
    finally {
        Get-MemoryMapping | Remove-MemoryMapping
        Remove-Item $file
    }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Clean' {
        Remove-Item (Join-Path $PSScriptRoot 'out') -Recurse -Force -ErrorAction Ignore
        Get-ChildItem $PSScriptRoot -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
    }
}
