BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize

    function Get-LockedKilobyte {
        <# VmLck of /proc/PID/status: what this process has locked, in kB. #>
        [long]((Select-String '^VmLck:\s+(\d+) kB' "/proc/$PID/status").Matches[0].Groups[1].Value)
    }

    function Get-SmapsField($Mapping, [string] $Field) {
        <# One field ("Locked", "VmFlags") of the /proc/PID/smaps block that starts at the mapping's address. #>
        $start = '{0:x}-' -f $Mapping.Address.ToInt64()
        $inBlock = $false
        foreach ($line in Get-Content "/proc/$PID/smaps") {
            if ($line -match '^[0-9a-f]+-[0-9a-f]+ ') { if ($inBlock) { break }; $inBlock = $line.StartsWith($start) }
            elseif ($inBlock -and $line -match "^${Field}:\s*(.*)$") { return $Matches[1].Trim() }
        }
    }
}

Describe 'Lock-MemoryMapping and Unlock-MemoryMapping' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    # Shared anonymous memory: it never merges with the runtime's areas next to it, so its smaps block is its own.
    It 'Lock shows in VmLck of /proc/PID/status and Unlock brings it back' {
        $m = New-MemoryMapping -Anonymous -Length (16 * $Page)
        $before = Get-LockedKilobyte

        Lock-MemoryMapping $m -PassThru | Should -Be $m
        Get-LockedKilobyte | Should -Be ($before + 16 * $Page / 1KB)
        Get-SmapsField $m Locked | Should -Be "$(16 * $Page / 1KB) kB"

        Unlock-MemoryMapping $m -PassThru | Should -Be $m
        Get-LockedKilobyte | Should -Be $before
    }

    It 'locks and unlocks the whole pages that hold -Offset and -Count' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page)
        $before = Get-LockedKilobyte

        Lock-MemoryMapping $m -Offset ($Page + 1) -Count $Page
        Get-LockedKilobyte | Should -Be ($before + 2 * $Page / 1KB)
        Unlock-MemoryMapping $m -Offset (2 * $Page) -Length 1
        Get-LockedKilobyte | Should -Be ($before + $Page / 1KB)
        $m | Unlock-MemoryMapping
        Get-LockedKilobyte | Should -Be $before
    }

    It '-OnFault locks pages only as they are first touched' {
        $m = New-MemoryMapping -Anonymous -Length (8 * $Page)

        Lock-MemoryMapping $m -OnFault

        (Get-SmapsField $m VmFlags) -split ' ' | Should -Contain 'lf'
        Get-SmapsField $m Locked | Should -Be '0 kB'
        Set-MappedByte $m -Offset (2 * $Page) -String 'touch'
        Get-SmapsField $m Locked | Should -Be "$($Page / 1KB) kB"
    }

    It 'locks nothing under -WhatIf' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page)
        $before = Get-LockedKilobyte
        Lock-MemoryMapping $m -WhatIf
        Get-LockedKilobyte | Should -Be $before
        Lock-MemoryMapping $m
        Unlock-MemoryMapping $m -WhatIf
        Get-LockedKilobyte | Should -Be ($before + 4 * $Page / 1KB)
    }

    It 'refuses a range that touches unmapped pages and locks the rest for the whole mapping' {
        $m = New-MemoryMapping -Anonymous -Length (3 * $Page)
        $null = $m.Unmap($Page, $Page)
        $before = Get-LockedKilobyte

        { Lock-MemoryMapping $m -Count (2 * $Page) -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Unmapped,MemMap.Commands.LockMemoryMappingCommand'
        Get-LockedKilobyte | Should -Be $before
        Lock-MemoryMapping $m
        Get-LockedKilobyte | Should -Be ($before + 2 * $Page / 1KB)
    }

    It 'a lock past RLIMIT_MEMLOCK is refused, naming the limit and its value (as nobody, with a 64 KiB limit)'  {
        # Both tools are needed: -not (Get-Command setpriv, prlimit) was true only when both were missing.
        $missing = @('setpriv', 'prlimit' | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) })
        if ($missing) { Set-ItResult -Skipped -Because "it needs $($missing -join ' and ') (util-linux) to run a child as nobody under a lower RLIMIT_MEMLOCK: install util-linux"; return }
        if ((id -u) -ne '0') { Set-ItResult -Skipped -Because 'only root can start a child as nobody (setpriv) and root ignores RLIMIT_MEMLOCK itself: run the suite as root'; return }
        # Root is not held to RLIMIT_MEMLOCK, so a child pwsh runs as nobody and lowers its own limit.
        $output = Invoke-ChildPwshAsUser -User nobody -Group nogroup -ScriptBlock {
            prlimit --pid $PID --memlock=65536:65536
            $m = New-MemoryMapping -Anonymous -Length 1MB -Private
            Lock-MemoryMapping $m -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].FullyQualifiedErrorId
            $refused[0].Exception.Message
            Lock-MemoryMapping $m -Count 16KB -PassThru | ForEach-Object { 'locked 16 KiB' }
        }
        $output[0] | Should -Be 'mlock2.ENOMEM,MemMap.Commands.LockMemoryMappingCommand'
        $output[1] | Should -BeLike '*RLIMIT_MEMLOCK (now 65536 bytes*'
        $output[2] | Should -Be 'locked 16 KiB'
    }
}

Describe 'LockedBytes' {
    It 'shows what Lock-MemoryMapping holds in RAM, as the kernel counts it, in the list view too' {
        $page = [Environment]::SystemPageSize
        $m = New-MemoryMapping -Anonymous -Length (4 * $page)
        try {
            $m.LockedBytes | Should -Be 0
            Lock-MemoryMapping $m -Offset $page -Count (2 * $page) -ErrorAction Stop
            $m.LockedBytes | Should -Be (2 * $page)
            ($m | Format-List | Out-String) | Should -Match ('LockedBytes\s+: {0}' -f (2 * $page))
            Unlock-MemoryMapping $m
            $m.LockedBytes | Should -Be 0
        }
        finally { Remove-MemoryMapping $m }
        $m.LockedBytes | Should -Be 0
    }
}
