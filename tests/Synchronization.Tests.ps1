BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Manifest = Join-Path (Split-Path (Get-Module MemMap).Path) 'MemMap.psd1'

    # Starts a real pwsh process that imports MemMap and runs -Script with -Arguments ($args in it);
    # returns at once with the process, its standard output redirected. The process is PowerShell itself, so its
    # Id is what a signal must reach.
    function Invoke-ChildScript([string] $Script, [object[]] $Arguments = @()) {
        $file = Join-Path ([IO.Path]::GetTempPath()) "memmap-child-$(New-Guid).ps1"
        Set-Content -LiteralPath $file -Value "Import-Module '$script:Manifest'`n$Script"
        $pwsh = Get-PwshCommand
        $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file) + @($Arguments | ForEach-Object { "$_" })) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        [Diagnostics.Process]::Start($start)
    }

    function Wait-Child([Diagnostics.Process] $Process) {
        $output = $Process.StandardOutput.ReadToEnd()
        $errors = $Process.StandardError.ReadToEnd()
        $Process.WaitForExit(120000) | Should -BeTrue
        if ($errors) { Write-Information -MessageData $errors -InformationAction Continue }
        $output.Trim()
    }
}

Describe 'Atomic values across processes and runspaces' {
    BeforeEach {
        $script:Name = "/memmap-pester-sync-$(New-Guid)"
        $script:m = New-MemoryMapping -Name $Name -Length 4096
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping -Unlink -ErrorAction SilentlyContinue
    }

    It '4 processes x 2,500 Add-MappedValue on shared memory end at exactly 10,000' {
        $adders = 1..4 | ForEach-Object {
            Invoke-ChildScript '$c = New-MemoryMapping -Name $args[0]; $null = Add-MappedValue $c 128 Int32 1; $null = Wait-MappedValue $c 64 Int32 1 -Timeout 120; for ($i = 0; $i -lt 2500; $i++) { $null = Add-MappedValue $c 8 Int64 1 }' $Name
        }
        # All four start adding at once: each counts itself ready, then waits for the start signal.
        Wait-MappedValue $m 128 Int32 4 -Timeout 120 | Should -Be 4
        Set-MappedValue $m 64 Int32 1
        $adders | ForEach-Object { Wait-Child $_ }
        Get-MappedValue $m 8 Int64 | Should -Be 10000
    }

    It 'of 4 processes racing one -Expected 0 claim, exactly one wins' {
        $racers = 1..4 | ForEach-Object {
            Invoke-ChildScript '$c = New-MemoryMapping -Name $args[0]; $null = Add-MappedValue $c 128 Int32 1; $null = Wait-MappedValue $c 64 Int32 1 -Timeout 120; Set-MappedValue $c 16 Int64 $PID -Expected 0' $Name
        }
        Wait-MappedValue $m 128 Int32 4 -Timeout 120 | Should -Be 4
        Set-MappedValue $m 64 Int32 1
        $outcomes = $racers | ForEach-Object { Wait-Child $_ }
        @($outcomes | Where-Object { $_ -eq 'True' }).Count | Should -Be 1
        @($outcomes | Where-Object { $_ -eq 'False' }).Count | Should -Be 3
        $racers.Id | Should -Contain ([int](Get-MappedValue $m 16 Int64))
    }

    It 'the counter through ForEach-Object -Parallel runspaces is exact' {
        1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:Manifest
            for ($i = 0; $i -lt 1000; $i++) { $null = Add-MappedValue $using:m 0 Int32 1 }
        }
        Get-MappedValue $m 0 Int32 | Should -Be 4000
    }

    It 'a writer alternating an Int64 between 0 and -1 is never seen torn by another process or by runspaces' {
        $writer = Invoke-ChildScript '$c = New-MemoryMapping -Name $args[0]; for ($i = 0; $i -lt 20000; $i++) { Set-MappedValue $c 56 Int64 (-($i % 2)) }' $Name
        $reader = Invoke-ChildScript '$c = New-MemoryMapping -Name $args[0]; $torn = 0; for ($i = 0; $i -lt 20000; $i++) { if ((Get-MappedValue $c 56 Int64) -notin 0, -1) { $torn++ } }; $torn' $Name
        $inRunspaces = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:Manifest
            $torn = 0
            for ($i = 0; $i -lt 20000; $i++) { if ((Get-MappedValue $using:m 56 Int64) -notin 0, -1) { $torn++ } }
            $torn
        }
        Wait-Child $reader | Should -Be '0'
        $inRunspaces | Should -Be 0, 0
        Wait-Child $writer | Out-Null
    }

    It 'refuses unaligned offsets, non-integer types and -Expected with several values' {
        Add-MappedValue $m 4 Int64 1 -ErrorAction SilentlyContinue -ErrorVariable unaligned | Should -BeNullOrEmpty
        $unaligned[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.AddMappedValueCommand'
        $unaligned[0].ToString() | Should -BeLike '*8-byte alignment*'
        Add-MappedValue $m 0 Double 1 -ErrorAction SilentlyContinue -ErrorVariable floating | Should -BeNullOrEmpty
        $floating[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.AddMappedValueCommand'
        Set-MappedValue $m 0 Int32 1, 2 -Expected 0 -ErrorAction SilentlyContinue -ErrorVariable several | Should -BeNullOrEmpty
        $several[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.SetMappedValueCommand'
        Wait-MappedValue $m 2 Int32 0 -ErrorAction SilentlyContinue -ErrorVariable waitUnaligned | Should -BeNullOrEmpty
        $waitUnaligned[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.WaitMappedValueCommand'
        Get-MappedValue $m 0 Int64 | Should -Be 0
    }

    It 'compare-and-swap outputs $true and writes, or $false and writes nothing' {
        Set-MappedValue $m 0 Int32 5 -Expected 0 | Should -BeTrue
        Set-MappedValue $m 0 Int32 6 -Expected 0 | Should -BeFalse
        Get-MappedValue $m 0 Int32 | Should -Be 5
    }
}

Describe 'Atomics and locks on a file truncated by another process' {
    BeforeEach {
        $script:Path = Join-Path ([IO.Path]::GetTempPath()) "memmap-sync-$(New-Guid).bin"
        [IO.File]::WriteAllBytes($Path, [byte[]]::new(8192))
        $script:f = New-MemoryMapping $Path
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
        Remove-Item $Path -ErrorAction SilentlyContinue
    }

    It 'an atomic on a truncated page is Access.BeyondEndOfFile and the session lives' {
        & truncate --size 0 $Path
        Add-MappedValue $f 4096 Int64 1 -ErrorAction SilentlyContinue -ErrorVariable gone | Should -BeNullOrEmpty
        $gone[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.AddMappedValueCommand'
        Set-MappedValue $f 0 Int64 1 -Expected 0 -ErrorAction SilentlyContinue -ErrorVariable casGone | Should -BeNullOrEmpty
        $casGone[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.SetMappedValueCommand'
        (Get-Item $Path).Length | Should -Be 0
    }

    It 'a lock on a file truncated under it stays, its block sees the error, and it is released' {
        $inside = Use-MappingLock $f {
            & truncate --size 0 $Path
            @(Get-MappingLock $f).Length
            Get-MappedValue $f 0 Int64 -ErrorAction SilentlyContinue -ErrorVariable lost
            $lost[0].FullyQualifiedErrorId
        }
        $inside | Should -Be 1, 'Access.BeyondEndOfFile,MemMap.Commands.GetMappedValueCommand'
        Get-MappingLock $f | Should -BeNullOrEmpty
    }
}

Describe 'Use-MappingLock and Get-MappingLock' {
    BeforeEach {
        $script:Path = Join-Path ([IO.Path]::GetTempPath()) "memmap-lock-$(New-Guid).bin"
        [IO.File]::WriteAllBytes($Path, [byte[]]::new(4096))
        $script:f = New-MemoryMapping $Path
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
        Remove-Item $Path -ErrorAction SilentlyContinue
    }

    It 'makes a non-atomic read-modify-write by two processes exact' {
        $script = '$c = New-MemoryMapping $args[0]; for ($i = 0; $i -lt 300; $i++) { Use-MappingLock $c { $v = Get-MappedValue $c 0 Int64; Set-MappedValue $c 0 Int64 ($v + 1) } }'
        $workers = 1..2 | ForEach-Object { Invoke-ChildScript $script $Path }
        $workers | ForEach-Object { Wait-Child $_ }
        Get-MappedValue $f 0 Int64 | Should -Be 600
    }

    It 'gives a waiter the lock within a second after its holder is killed with SIGKILL' {
        $holder = Invoke-ChildScript '$c = New-MemoryMapping $args[0]; Use-MappingLock $c { "locked"; [Console]::Out.Flush(); Start-Sleep 600 }' $Path
        $holder.StandardOutput.ReadLine() | Should -Be 'locked'
        (Get-MappingLock $f).ProcessId | Should -Be $holder.Id
        Use-MappingLock $f { 'never' } -Timeout 0.2 -ErrorAction SilentlyContinue -ErrorVariable busy | Should -BeNullOrEmpty
        $busy[0].FullyQualifiedErrorId | Should -Be 'Lock.Timeout,MemMap.Commands.UseMappingLockCommand'

        & kill -KILL $holder.Id
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Use-MappingLock $f { 'mine' } -Timeout 5 | Should -Be 'mine'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
    }

    It 'times a waiter out cleanly while its holder is stopped with SIGSTOP, and never takes the lock from it' {
        $holder = Invoke-ChildScript '$c = New-MemoryMapping $args[0]; Use-MappingLock $c { "locked"; [Console]::Out.Flush(); Start-Sleep 600 }' $Path
        try {
            $holder.StandardOutput.ReadLine() | Should -Be 'locked'
            & kill -STOP $holder.Id
            Use-MappingLock $f -Offset 10 -Count 1 { 'stolen' } -Timeout 0.5 -ErrorAction SilentlyContinue -ErrorVariable busy | Should -BeNullOrEmpty
            $busy[0].FullyQualifiedErrorId | Should -Be 'Lock.Timeout,MemMap.Commands.UseMappingLockCommand'
            (Get-MappingLock $f).ProcessId | Should -Be $holder.Id
        }
        finally {
            & kill -KILL $holder.Id
        }
    }

    It 'excludes other runspaces of this process' {
        $outcome = Use-MappingLock $f {
            1 | ForEach-Object -Parallel {
                Import-Module $using:Manifest
                try { Use-MappingLock $using:f { 'got it' } -Timeout 0.2 -ErrorAction Stop }
                catch { $_.FullyQualifiedErrorId }
            }
        }
        $outcome | Should -Be 'Lock.Timeout,MemMap.Commands.UseMappingLockCommand'
    }

    It 'refuses re-entry on an overlapping range with Lock.Recursion and releases after errors and break' {
        $inner = Use-MappingLock $f -Count 100 {
            Use-MappingLock $f -Offset 50 -Count 100 { 'inner' } -ErrorAction SilentlyContinue -ErrorVariable again
            $again[0].FullyQualifiedErrorId
        }
        $inner | Should -Be 'Lock.Recursion,MemMap.Commands.UseMappingLockCommand'
        { Use-MappingLock $f { throw 'failed inside' } } | Should -Throw '*failed inside*'
        foreach ($i in 1..2) { Use-MappingLock $f { break } }
        Get-MappingLock $f | Should -BeNullOrEmpty
        Use-MappingLock $f { 'free' } -Timeout 0 | Should -Be 'free'
    }

    It 'ends cleanly when the block removes the mapping it holds a lock on' {
        Use-MappingLock $f { Remove-MemoryMapping $f; 'removed' } | Should -Be 'removed'
        Get-MappingLock -Path $Path | Should -BeNullOrEmpty
        $again = New-MemoryMapping $Path
        Use-MappingLock $again { 'free' } -Timeout 0 | Should -Be 'free'
    }

    It 'agrees with lslocks on kind, mode and range, and names the holder that lslocks shows as -1' {
        $inode = (& stat -c '%i' $Path)
        $listed = Use-MappingLock $f -Shared -Offset 8 -Count 16 {
            [pscustomobject]@{
                Ours   = Get-MappingLock $f
                Theirs = & lslocks --noheadings --raw --output PID,TYPE,MODE,START,END,INODE | Where-Object { ($_ -split ' ')[-1] -eq $inode }
            }
        }
        $listed.Theirs | Should -Be "-1 OFDLCK READ 8 23 $inode"
        $listed.Ours.Kind, $listed.Ours.Type, $listed.Ours.Offset, ($listed.Ours.Offset + $listed.Ours.Count - 1) | Should -Be 'OFD', 'Read', 8, 23
        $listed.Ours.ProcessId | Should -Be $PID
    }

    It 'shows a lock as a table of Type, Kind, ProcessId, Offset, Count and Path' {
        $table = Use-MappingLock $f -Shared -Offset 8 -Count 16 { Get-MappingLock -Path $Path | Out-String -Width 400 }
        $table | Should -Match 'Type\s+Kind\s+ProcessId\s+Offset\s+Count\s+Path'
        $table | Should -Match "Read\s+OFD\s+$PID\s+8\s+16\s+$([regex]::Escape($Path))"
    }
}

Describe 'Wait-MappedValue' {
    BeforeEach {
        $script:Name = "/memmap-pester-wait-$(New-Guid)"
        $script:m = New-MemoryMapping -Name $Name -Length 4096
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping -Unlink -ErrorAction SilentlyContinue
    }

    It 'returns when another process sets the value' {
        $setter = Invoke-ChildScript '$c = New-MemoryMapping -Name $args[0]; Start-Sleep -Milliseconds 500; Set-MappedValue $c 0 Int32 7' $Name
        Wait-MappedValue $m 0 Int32 7 -Timeout 60 | Should -Be 7
        Wait-Child $setter | Out-Null
    }

    It 'returns the new value with -NotEqual' {
        Set-MappedValue $m 0 Int32 3
        Wait-MappedValue $m 0 Int32 0 -NotEqual -Timeout 1 | Should -Be 3
    }

    It 'times out with Wait.Timeout' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Wait-MappedValue $m 0 Int32 1 -Timeout 0.3 -ErrorAction SilentlyContinue -ErrorVariable late | Should -BeNullOrEmpty
        $late[0].FullyQualifiedErrorId | Should -Be 'Wait.Timeout,MemMap.Commands.WaitMappedValueCommand'
        $late[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.29
    }

    It 'stops promptly on a pipeline stop request' {
        $shell = [PowerShell]::Create()
        try {
            # Two invocations, not one batch of two statements: PowerShell runs a batch's next statement
            # on a pool thread, which met the disposed runspace after Stop and killed the whole process once.
            $null = $shell.AddCommand('Import-Module').AddArgument($Manifest).Invoke()
            $shell.Commands.Clear()
            $null = $shell.AddCommand('Wait-MappedValue').AddParameters(@{ Mapping = $m; Type = 'Int32'; Value = 1 })
            $running = $shell.BeginInvoke()
            Start-Sleep -Milliseconds 500
            $running.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $shell.Dispose()
        }
    }
}
