#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Times single MemMap cmdlet and method calls against a built-in cmdlet and a .NET method call in
    the same pwsh session, and prints the ratios of the performance issue (issue 9).
.DESCRIPTION
    Each statement runs $Calls times in a for loop compiled once (no script-block call per
    iteration), $Rounds rounds, all statements interleaved round by round so that load from other
    processes hits them alike. A call's time is the loop's time per iteration less the empty loop's
    (its median over the rounds), divided by the calls per iteration: a method call, cheaper than
    the loop's own noise, is written 10 times per iteration. A ratio is one median over another. The residency pair (a 2 GiB
    file written for it and deleted after, measured by Get-MappingResidency and by util-linux
    fincore, a process started per call) runs $ResidencyCalls calls per round; -ResidencyCalls 0
    leaves it out. The bulk rows (a 64 MiB byte[] written to a 64 MiB file mapping by
    Set-MappedByte and by $b.Write; a million Int32 values read by Get-MappedValue -NoEnumerate and
    their 4 MiB of bytes by $b.Read) run $BulkCalls calls per round.
    Needs the module built (dotnet build leaves it in out/MemMap).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/CmdletBench.ps1   # or pwsh, where one is on PATH
#>
[CmdletBinding()]
param(
    [int] $Calls = 2000,
    [int] $Rounds = 7,
    [int] $ResidencyCalls = 20,
    [int] $BulkCalls = 5,
    [string] $ModulePath = (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out', 'MemMap', 'MemMap.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$path = Join-Path ([IO.Path]::GetTempPath()) "memmap-cmdletbench-$PID.bin"
[IO.File]::WriteAllBytes($path, [byte[]]::new(1MB))
$m = New-MemoryMapping $path
$a = New-MemoryMapping -Anonymous -Length 1MB
$bulkPath = Join-Path ([IO.Path]::GetTempPath()) "memmap-cmdletbench-$PID-64MiB.bin"
[IO.File]::WriteAllBytes($bulkPath, [byte[]]::new(64MB))
$b = New-MemoryMapping $bulkPath
$x = [byte[]]::new(64MB)
$dotnetFile = [IO.MemoryMappedFiles.MemoryMappedFile]::CreateFromFile($path, [IO.FileMode]::Open)
$accessor = $dotnetFile.CreateViewAccessor()
try {
    $big = Join-Path ([IO.Path]::GetTempPath()) "memmap-cmdletbench-$PID-2GiB.bin"
    if ($ResidencyCalls -gt 0 -and (Get-Command fincore -CommandType Application -ErrorAction Ignore)) {
        # Real data on every page (not sparse), flushed so that it stays in the page cache, clean.
        $block = [byte[]]::new(8MB)
        [Random]::Shared.NextBytes($block)
        $stream = [IO.File]::Create($big)
        try { foreach ($i in 1..256) { $stream.Write($block, 0, $block.Length) }; $stream.Flush($true) } finally { $stream.Dispose() }
    }
    $statements = [ordered]@{
        'empty loop'                                     = '$null = $i'
        'Get-Variable m'                                 = '$null = Get-Variable m'
        'Get-MappedByte $m -Offset 100 -Count 1'         = '$null = Get-MappedByte $m -Offset 100 -Count 1'
        'Get-MappedValue $m -Offset 100 -Type Int64'     = '$null = Get-MappedValue $m -Offset 100 -Type Int64'
        '$m.Read(100, 1) (file mapping: guarded copy)'   = '$null = $m.Read(100, 1)'
        '$a.Read(100, 1) (anonymous: direct)'            = '$null = $a.Read(100, 1)'
        '$accessor.ReadByte(100)'                        = '$null = $accessor.ReadByte(100)'
        'Set-MappedByte $b -Value $x (64 MiB)'           = 'Set-MappedByte $b -Offset 0 -Value $x'
        '$b.Write(0, $x) (64 MiB)'                       = '$b.Write(0, $x)'
        'Get-MappedValue $b -Type Int32 -Count 1M -NoEnumerate (4 MiB)' = '$null = Get-MappedValue $b -Offset 0 -Type Int32 -Count 1MB -NoEnumerate'
        '$b.Read(0, 4MB) (4 MiB)'                        = '$null = $b.Read(0, 4MB)'
    }
    if (Test-Path $big) {
        $statements['Get-MappingResidency -Path $big (2 GiB)'] = '$null = Get-MappingResidency -Path $big'
        $statements['fincore $big (a process per call)'] = '$null = fincore $big'
    }
    # A process start per call: fewer calls for the residency pair. A method call costs less than a
    # loop iteration's noise: it is written 10 times per iteration, and its time divided by 10.
    $callsOf = @{}
    $repeatOf = @{}
    foreach ($name in $statements.Keys) {
        $callsOf[$name] = if ($name -match 'residency|fincore') { $ResidencyCalls } elseif ($name -match 'MiB\)$') { $BulkCalls } else { $Calls }
        $repeatOf[$name] = if ($name.StartsWith('$') -and $name -notmatch 'MiB\)$') { 10 } else { 1 }
    }
    $loops = [ordered]@{}
    foreach ($name in $statements.Keys) {
        $body = @($statements[$name]) * $repeatOf[$name] -join '; '
        $loops[$name] = [scriptblock]::Create("param(`$m, `$a, `$accessor, `$big, `$b, `$x) for (`$i = 0; `$i -lt $($callsOf[$name]); `$i++) { $body }")
    }
    $times = @{}
    foreach ($name in $loops.Keys) { $times[$name] = [Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$Rounds) {
        foreach ($name in $loops.Keys) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            & $loops[$name] $m $a $accessor $big $b $x
            # Round 0 is the warm-up (compiles the loops, binds the cmdlets once).
            if ($round -gt 0) { $times[$name].Add($clock.Elapsed.TotalMilliseconds * 1000 / $callsOf[$name]) }
        }
    }
    $median = @{}
    foreach ($name in $loops.Keys) {
        $sorted = $times[$name] | Sort-Object
        $median[$name] = $sorted[[int][Math]::Floor($sorted.Count / 2)]
    }
    $loop = $median['empty loop']
    $net = @{}
    foreach ($name in $loops.Keys) { $net[$name] = [Math]::Max(($median[$name] - $loop) / $repeatOf[$name], 0.0001) }

    "MemMap cmdlet benchmarks, $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC, pwsh $($PSVersionTable.PSVersion), $([Environment]::ProcessorCount) cores, load average $((Get-Content /proc/loadavg).Split(' ')[0])"
    "method: Stopwatch, $Rounds rounds x $Calls iterations of a compiled for loop, interleaved; per-call time = median loop time per iteration less the empty loop's ($([Math]::Round($loop, 3)) us), over the calls per iteration (10 for a method call, else 1)"
    ''
    '| call | us per call | ratio | bar | verdict |'
    '|---|---|---|---|---|'
    foreach ($name in $loops.Keys) {
        if ($name -eq 'empty loop') { continue }
        $against, $bar = switch -Wildcard ($name) {
            'Set-MappedByte $b*' { '$b.Write(0, $x) (64 MiB)', 2.0; break }
            'Get-MappedValue $b*' { '$b.Read(0, 4MB) (4 MiB)', 2.0; break }
            'Get-Mapped*' { 'Get-Variable m', 1.0 }
            '$m.Read*' { '$accessor.ReadByte(100)', 3.0 }
            '$a.Read*' { '$accessor.ReadByte(100)', 3.0 }
            'Get-MappingResidency*' { 'fincore $big (a process per call)', 0.5 }

            default { $null, $null }
        }
        if ($against) {
            $ratio = $net[$name] / $net[$against]
            $verdict = if ($ratio -le $bar) { 'met' } else { 'missed ({0:N2}x over)' -f ($ratio / $bar) }
            '| {0} | {1:N3} | **{2:N2}** vs {3} | <= {4:N2} | {5} |' -f $name, $net[$name], $ratio, $against, $bar, $verdict
        }
        else {
            '| {0} | {1:N3} | (baseline) | - | - |' -f $name, $net[$name]
        }
    }
}
finally {
    $accessor.Dispose()
    $dotnetFile.Dispose()
    $m, $a, $b | Remove-MemoryMapping
    Remove-Item $path, $bulkPath
    if (Test-Path $big) { Remove-Item $big }
}
