BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Remove-MemoryMapping and Get-MemoryMapping' {
    BeforeEach {
        Get-MemoryMapping | Remove-MemoryMapping
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (4 * $Page)
    }

    It 'lists live mappings, by id and by path with wildcards' {
        $a = New-MemoryMapping $Path
        $b = New-MemoryMapping -Anonymous -Length 10
        (Get-MemoryMapping).Id | Should -Be $a.Id, $b.Id
        Get-MemoryMapping -Id $b.Id | Should -Be $b
        Get-MemoryMapping -Path (Join-Path $TestDrive 'data-*') | Should -Be $a
        Get-MemoryMapping -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'MappingNotFound,MemMap.Commands.GetMemoryMappingCommand'
    }

    It 'unmaps: the range leaves /proc/self/maps and the mapping reports IsOpen false' {
        $m = New-MemoryMapping $Path
        $m | Remove-MemoryMapping
        $m.IsOpen | Should -BeFalse
        Get-Content "/proc/$PID/maps" | Where-Object { $_.EndsWith($Path) } | Should -BeNullOrEmpty
        Get-MemoryMapping | Should -BeNullOrEmpty
    }

    It 'removes by -Id and passes removed mappings on with -PassThru' {
        $m = New-MemoryMapping $Path
        $removed = Remove-MemoryMapping -Id $m.Id -PassThru
        $removed | Should -Be $m
        $removed.IsOpen | Should -BeFalse
    }

    It 'unmaps only the pages given by -Offset and -Count, leaving a hole that is an error to read' {
        $m = New-MemoryMapping $Path
        Remove-MemoryMapping $m -Offset $Page -Count 1
        $m.IsOpen | Should -BeTrue
        $m.UnmappedRanges.Offset | Should -Be $Page
        $m.UnmappedRanges.Length | Should -Be $Page
        # The hole is no longer the file's; the runtime may already have mapped its own memory there
        # (its W^X double mapping is shared too), so look for the file's own lines only.
        $hole = [uint64]$m.Address.ToInt64() + [uint64]$Page
        $fileLines = Get-Content "/proc/$PID/maps" | Where-Object { $_.EndsWith($Path) }
        $fileLines | Where-Object {
            $start, $end = ($_ -split ' ')[0] -split '-' | ForEach-Object { [Convert]::ToUInt64($_, 16) }
            $hole -ge $start -and $hole -lt $end
        } | Should -BeNullOrEmpty
        $fileLines | Should -HaveCount 2
        { Get-MappedByte $m -Offset $Page -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Unmapped,MemMap.Commands.GetMappedByteCommand'
        Get-MappedByte $m -Offset (2 * $Page) -Count 1 | Should -Be $Content[2 * $Page]
        Sync-MemoryMapping $m
        Remove-MemoryMapping $m -Offset 0 -Count $Page
        Remove-MemoryMapping $m -Offset (2 * $Page)
        $m.IsOpen | Should -BeFalse
    }

    It 'refuses an unaligned -Offset and unmaps nothing' {
        $m = New-MemoryMapping $Path
        Remove-MemoryMapping $m -Offset 100 -Count 1 -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.RemoveMemoryMappingCommand'
        $m.UnmappedRanges | Should -BeNullOrEmpty
    }

    It 'keeps the mapping under -WhatIf' {
        $m = New-MemoryMapping $Path
        Remove-MemoryMapping $m -WhatIf
        $m.IsOpen | Should -BeTrue
        Get-MapsPermission $m | Should -Be 'rw-s'
    }

    It 'gives every later use a MappingRemoved error' {
        $m = New-MemoryMapping $Path
        Remove-MemoryMapping $m
        { Get-MappedByte $m -ErrorAction Stop } | Should -Throw -ErrorId 'MappingRemoved,MemMap.Commands.GetMappedByteCommand'
        { Set-MappedByte $m -Value 1 -ErrorAction Stop } | Should -Throw -ErrorId 'MappingRemoved,MemMap.Commands.SetMappedByteCommand'
        { Sync-MemoryMapping $m -ErrorAction Stop } | Should -Throw -ErrorId 'MappingRemoved,MemMap.Commands.SyncMemoryMappingCommand'
        { Set-MappingProtection $m Read -ErrorAction Stop } | Should -Throw -ErrorId 'MappingRemoved,MemMap.Commands.SetMappingProtectionCommand'
        { Remove-MemoryMapping $m -ErrorAction Stop } | Should -Throw -ErrorId 'MappingRemoved,MemMap.Commands.RemoveMemoryMappingCommand'
    }

    It 'survives parallel readers while another runspace removes the mapping' {
        $m = New-MemoryMapping $Path -Protection Read
        $manifest = Join-Path (Get-Module MemMap).ModuleBase 'MemMap.psd1'
        # Shared by reference between the runspaces: all start together, and the remover waits until both readers have read.
        $started = [Threading.Barrier]::new(3)
        $goodReads = [int[]]::new(2)
        $results = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:manifest
            $mapping = $using:m
            $good = $using:goodReads
            ($using:started).SignalAndWait()
            if ($_ -eq 3) {
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (($good[0] -eq 0 -or $good[1] -eq 0) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 1 }
                Start-Sleep -Milliseconds 20
                Remove-MemoryMapping $mapping
                return 'removed'
            }
            while ($true) {
                $bytes = Get-MappedByte $mapping -ErrorAction SilentlyContinue -ErrorVariable failure
                if ($failure) { return "$($failure[0].FullyQualifiedErrorId) after $($good[$_ - 1] -gt 0 ? 'good reads' : 'no good read')" }
                if ($bytes.Count -ne $using:Content.Count) { return 'short read' }
                $good[$_ - 1]++
            }
        }
        $results | Sort-Object | Should -Be @(
            'MappingRemoved,MemMap.Commands.GetMappedByteCommand after good reads'
            'MappingRemoved,MemMap.Commands.GetMappedByteCommand after good reads'
            'removed')
    }
}
