BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Sync-MemoryMapping' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (2 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'reports a truncation by another process below what the mapping holds with Access.BeyondEndOfFile, and syncs a range still inside the file' {
        $m = New-MemoryMapping $Path
        Sync-MemoryMapping $m
        truncate --size 6000 $Path
        Sync-MemoryMapping $m -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'Access.BeyondEndOfFile,MemMap.Commands.SyncMemoryMappingCommand'
        $failure[0].Exception.Message | Should -BeLike '*now 6000 bytes long*truncated*'
        { Sync-MemoryMapping $m -Offset 0 -Count 6000 -ErrorAction Stop } | Should -Not -Throw
    }

    It 'leaves data a child wrote and synced in the file after the child is killed with SIGKILL' {
        $marker = Join-Path $TestDrive 'synced'
        $child = [scriptblock]::Create(@"
Import-Module '$((Resolve-Path "$PSScriptRoot/../out/MemMap/MemMap.psd1").ProviderPath)'
`$m = New-MemoryMapping '$Path'
Set-MappedByte `$m -Offset $($Page + 3) -String 'durable'
Sync-MemoryMapping `$m
Set-Content '$marker' 'synced'
Start-Sleep -Seconds 600
"@)
        # PowerShell's own process, never a launcher's: the SIGKILL below must reach the writer.
        $pwsh = Get-PwshCommand
        $process = Start-Process $pwsh[0] -ArgumentList (@($pwsh | Select-Object -Skip 1) + '-NoProfile', '-EncodedCommand', ([Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($child)))) -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path $marker) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Test-Path $marker | Should -BeTrue
        }
        finally {
            $process | Stop-Process -Force  # SIGKILL on Linux
            $process.WaitForExit()
        }
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path), $Page + 3, 7) | Should -Be 'durable'
    }

    It 'accepts any range and widens it to pages, synchronously or not' {
        $m = New-MemoryMapping $Path
        Set-MappedByte $m -Offset ($Page + 100) -String 'range'
        Sync-MemoryMapping $m -Offset ($Page + 99) -Count 10
        Sync-MemoryMapping $m -Offset 5 -Count 1 -Async -Invalidate
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path), $Page + 100, 5) | Should -Be 'range'
    }

    It 'passes the mapping on with -PassThru' {
        $m = New-MemoryMapping $Path
        Sync-MemoryMapping $m -PassThru | Should -Be $m
    }

    It 'refuses a range outside the mapping' {
        $m = New-MemoryMapping $Path
        { Sync-MemoryMapping $m -Offset (3 * $Page) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SyncMemoryMappingCommand'
    }
}

Describe 'Sync-MemoryMapping -Verbose' {
    It 'says what was synced: the flags and the pages' {
        $path = Join-Path $TestDrive "verbose-$(New-Guid).bin"
        [IO.File]::WriteAllBytes($path, [byte[]]::new(4 * [Environment]::SystemPageSize))
        $m = New-MemoryMapping $path
        $said = Sync-MemoryMapping $m -Verbose 4>&1 | Out-String
        $said | Should -Match 'msync\(MS_SYNC\) of the 4 pages at offsets 0 to \d+ of mapping'
        $said = Sync-MemoryMapping $m -Offset 10 -Count 10 -Async -Invalidate -Verbose 4>&1 | Out-String
        $said | Should -Match 'msync\(MS_ASYNC \| MS_INVALIDATE\) of the 1 page at offsets 0 to'
        Sync-MemoryMapping $m 4>&1 | Should -BeNullOrEmpty
        Remove-MemoryMapping $m
    }
}
