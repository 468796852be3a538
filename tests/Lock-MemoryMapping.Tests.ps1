BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize

    function Get-LockedKilobytes {
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
        $before = Get-LockedKilobytes

        Lock-MemoryMapping $m -PassThru | Should -Be $m
        Get-LockedKilobytes | Should -Be ($before + 16 * $Page / 1KB)
        Get-SmapsField $m Locked | Should -Be "$(16 * $Page / 1KB) kB"

        Unlock-MemoryMapping $m -PassThru | Should -Be $m
        Get-LockedKilobytes | Should -Be $before
    }

    It 'locks and unlocks the whole pages that hold -Offset and -Count' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page)
        $before = Get-LockedKilobytes

        Lock-MemoryMapping $m -Offset ($Page + 1) -Count $Page
        Get-LockedKilobytes | Should -Be ($before + 2 * $Page / 1KB)
        Unlock-MemoryMapping $m -Offset (2 * $Page) -Length 1
        Get-LockedKilobytes | Should -Be ($before + $Page / 1KB)
        $m | Unlock-MemoryMapping
        Get-LockedKilobytes | Should -Be $before
    }

    It '-OnFault locks pages only as they are first touched' {
        $m = New-MemoryMapping -Anonymous -Length (8 * $Page)

        Lock-MemoryMapping $m -OnFault

        (Get-SmapsField $m VmFlags) -split ' ' | Should -Contain 'lf'
        Get-SmapsField $m Locked | Should -Be '0 kB'
        Set-MappedBytes $m -Offset (2 * $Page) -String 'touch'
        Get-SmapsField $m Locked | Should -Be "$($Page / 1KB) kB"
    }

    It 'locks nothing under -WhatIf' {
        $m = New-MemoryMapping -Anonymous -Length (4 * $Page)
        $before = Get-LockedKilobytes
        Lock-MemoryMapping $m -WhatIf
        Get-LockedKilobytes | Should -Be $before
        Lock-MemoryMapping $m
        Unlock-MemoryMapping $m -WhatIf
        Get-LockedKilobytes | Should -Be ($before + 4 * $Page / 1KB)
    }

    It 'refuses a range that touches unmapped pages and locks the rest for the whole mapping' {
        $m = New-MemoryMapping -Anonymous -Length (3 * $Page)
        $null = $m.Unmap($Page, $Page)
        $before = Get-LockedKilobytes

        { Lock-MemoryMapping $m -Count (2 * $Page) -ErrorAction Stop } | Should -Throw -ErrorId 'Access.Unmapped,MemMap.Commands.LockMemoryMappingCommand'
        Get-LockedKilobytes | Should -Be $before
        Lock-MemoryMapping $m
        Get-LockedKilobytes | Should -Be ($before + 2 * $Page / 1KB)
    }

    It 'a lock past RLIMIT_MEMLOCK is refused, naming the limit and its value (as nobody, with a 64 KiB limit)' -Skip:(-not (Get-Command setpriv, prlimit -ErrorAction Ignore) -or (id -u) -ne '0') {
        # Root is not held to RLIMIT_MEMLOCK, so a child pwsh runs as nobody, with the module copied
        # where nobody can read it (the build output may lie under a folder only its owner can enter).
        $stage = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "memmap-lock-$(New-Guid)")
        try {
            Copy-Item (Join-Path $PSScriptRoot '..' 'out' 'MemMap') $stage -Recurse
            chmod -R a+rX $stage
            $script = "Import-Module $stage/MemMap/MemMap.psd1; `$m = New-MemoryMapping -Anonymous -Length 1MB -Private; " +
                "Lock-MemoryMapping `$m -ErrorAction SilentlyContinue -ErrorVariable e; `$e[0].FullyQualifiedErrorId; `$e[0].Exception.Message"
            $env:HOME, $home_ = $stage.FullName, $env:HOME
            try { $output = setpriv --reuid=65534 --regid=65534 --clear-groups -- prlimit --memlock=65536:65536 -- (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script }
            finally { $env:HOME = $home_ }
            $output[0] | Should -Be 'mlock2.ENOMEM,MemMap.Commands.LockMemoryMappingCommand'
            $output[1] | Should -BeLike '*RLIMIT_MEMLOCK (now 65536 bytes*'
        }
        finally { Remove-Item $stage -Recurse -Force }
    }
}
