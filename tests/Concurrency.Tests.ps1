# Several runspaces (ForEach-Object -Parallel, as scripts run them) on one mapping: readers, writers,
# searchers and syncers while others protect, resize, unmap pages and remove it. Every call returns
# data or an ErrorRecord with one of the stable ids; the session lives on and the file is intact.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Concurrent use of one mapping from ForEach-Object -Parallel' {
    BeforeEach {
        Get-MemoryMapping | Remove-MemoryMapping
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (32 * $Page)
    }

    It 'gives every call data or a clean error while other runspaces protect, resize, unmap and remove it (round <_>)' -ForEach @(1, 2, 3) {
        $m = New-MemoryMapping $Path -Length (16 * $Page)
        $manifest = Join-Path (Get-Module MemMap).ModuleBase 'MemMap.psd1'
        $started = [Threading.Barrier]::new(6) # shared by reference: every runspace starts once all have imported the module
        $results = 1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:manifest
            ($using:started).SignalAndWait()
            $mapping = $using:m
            $content = $using:Content
            $page = $using:Page
            $random = [Random]::new($_)
            $outcomes = [Collections.Generic.List[string]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(2)
            $runspace = $_
            while ([DateTime]::UtcNow -lt $deadline -and $mapping.IsOpen) {
                $offset = $random.Next(0, 32 * $page - 64)
                $failure = $null
                try {
                switch ($runspace) {
                    1 {
                        $bytes = Get-MappedByte $mapping -Offset $offset -Count 64 -ErrorAction SilentlyContinue -ErrorVariable failure
                        if (-not $failure -and [Convert]::ToHexString($bytes) -ne [Convert]::ToHexString($content, $offset, 64)) { $outcomes.Add("wrong bytes at $offset") }
                    }
                    2 {
                        # The same bytes the file holds: the file never changes.
                        Set-MappedByte $mapping -Offset $offset -Value ([byte[]]$content[$offset..($offset + 63)]) -ErrorAction SilentlyContinue -ErrorVariable failure
                    }
                    3 {
                        $needle = [byte[]]$content[$offset..($offset + 15)]
                        $found = Find-MappedByte $mapping -Value $needle -Offset ([Math]::Max(0, $offset - $page)) -Count ([Math]::Min($offset, $page) + 16) -Last -ErrorAction SilentlyContinue -ErrorVariable failure
                        if (-not $failure -and $found -ne $offset) { $outcomes.Add("find-last gave '$found', not $offset") }
                    }
                    4 {
                        Sync-MemoryMapping $mapping -Offset $offset -Count 100 -ErrorAction SilentlyContinue -ErrorVariable failure
                    }
                    5 {
                        $protection = 'Read', 'ReadWrite', 'None' | Get-Random -SetSeed $offset
                        Set-MappingProtection $mapping -Protection $protection -Offset ($random.Next(0, 16) * $page) -Length $page -ErrorAction SilentlyContinue -ErrorVariable failure
                        if (-not $failure) { Resize-MemoryMapping $mapping -Length ($random.Next(1, 33) * $page) -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failure }
                    }
                    6 {
                        Start-Sleep -Milliseconds 300
                        Remove-MemoryMapping $mapping -Offset ($random.Next(0, 8) * $page) -Count $page -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failure
                        Start-Sleep -Milliseconds 300
                        Remove-MemoryMapping $mapping -Confirm:$false -ErrorAction SilentlyContinue
                    }
                }
                } catch {
                    $outcomes.Add("threw: $_")
                }
                foreach ($record in $failure) { $outcomes.Add($record.FullyQualifiedErrorId.Split(',')[0]) }
                if (-not $failure -and $runspace -ne 6) { $outcomes.Add("ok $runspace") }
            }
            $outcomes | Select-Object -Unique
        }
        $clean = 'MappingRemoved', 'InvalidArgument', 'InvalidOperation', 'Access.Protection', 'Access.Unmapped'
        $results | Where-Object { $_ -notin $clean -and $_ -notlike 'ok *' } | Should -BeNullOrEmpty
        # The races happened: every use (read, write, search, sync) succeeded, and calls met at least two
        # kinds of clean refusal (which ones depends on the timing: a loaded machine runs the changer rarely).
        $seen = "seen: $(($results | Sort-Object -Unique) -join ', ')"
        foreach ($outcome in 'ok 1', 'ok 2', 'ok 3', 'ok 4') { $results | Should -Contain $outcome -Because $seen }
        @($results | Where-Object { $_ -in $clean } | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 2 -Because $seen
        $m.IsOpen | Should -BeFalse
        Get-MemoryMapping | Should -BeNullOrEmpty
        Get-Content "/proc/$PID/maps" | Where-Object { $_.EndsWith($Path) } | Should -BeNullOrEmpty
        [Convert]::ToHexString([IO.File]::ReadAllBytes($Path)) | Should -Be ([Convert]::ToHexString($Content))
    }
}
