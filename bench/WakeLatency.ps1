<#
.SYNOPSIS
    Wake latency between two pwsh processes through the cmdlets: from the start of Set-MappedValue in
    one until Wait-MappedValue returns in the other; prints p50 and p99 (issue 16).
.DESCRIPTION
    A ping-pong over one shared-memory object: offset 0 the value, 8 the writer's timestamp
    (Stopwatch, CLOCK_MONOTONIC, the same clock in both processes), 16 the waiter's answer.
.PARAMETER Rounds
    How many wakes to time.
#>
param([int] $Rounds = 300)
$ErrorActionPreference = 'Stop'
$manifest = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out', 'MemMap', 'MemMap.psd1'
Import-Module $manifest
$name = "/memmap-wake-$PID"
$m = New-MemoryMapping -Name $name -Length 4096
try {
    $manifestPath = (Resolve-Path $manifest).Path
    $child = Start-Job -ScriptBlock {
        Import-Module $using:manifestPath
        $c = New-MemoryMapping -Name $using:name
        $latencies = for ($i = 1; $i -le $using:Rounds; $i++) {
            $null = Wait-MappedValue $c 0 Int64 $i -Timeout 30
            $latency = ([Diagnostics.Stopwatch]::GetTimestamp() - (Get-MappedValue $c 8 Int64)) / [Diagnostics.Stopwatch]::Frequency * 1e6
            if ($i -gt 1) { $latency } # the first round includes this job's start
            Set-MappedValue $c 16 Int64 $i
        }
        , $latencies
    }
    for ($i = 1; $i -le $Rounds; $i++) {
        Set-MappedValue $m 8 Int64 ([Diagnostics.Stopwatch]::GetTimestamp())
        Set-MappedValue $m 0 Int64 $i
        $null = Wait-MappedValue $m 16 Int64 $i -Timeout 60
    }
    [double[]] $sorted = @($child | Receive-Job -Wait -AutoRemoveJob | ForEach-Object { $_ })
    [Array]::Sort($sorted)
    '| wake latency between two pwsh processes (cmdlets: Set-MappedValue -> Wait-MappedValue returns), {0} wakes | p50 {1:F1} us, p99 {2:F1} us, max {3:F1} us |' -f $sorted.Count, $sorted[[int]($sorted.Count / 2)], $sorted[[int]($sorted.Count * 99 / 100)], $sorted[-1]
}
finally {
    Remove-MemoryMapping $m -Unlink
}
