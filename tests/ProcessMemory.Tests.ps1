BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
}

# mlockall runs in child processes only: the test host's own memory is never locked.
Describe 'Lock-ProcessMemory and Unlock-ProcessMemory' {
    It 'locks the process (VmLck grows) and unlocks it (VmLck back to 0), as root' -Skip:([Environment]::UserName -ne 'root') {
        $vmLck = Invoke-ChildPwsh {
            function Get-VmLck { [long]((Select-String '^VmLck:\s+(\d+) kB' "/proc/$PID/status").Matches[0].Groups[1].Value) }
            Get-VmLck
            Lock-ProcessMemory -Future -OnFault
            Get-VmLck
            Unlock-ProcessMemory
            Get-VmLck
        }
        $vmLck[0] | Should -Be 0
        $vmLck[1] | Should -BeGreaterThan (64MB / 1KB)
        $vmLck[2] | Should -Be 0
    }

    It 'locks nothing with -WhatIf' {
        $vmLck = Invoke-ChildPwsh {
            Lock-ProcessMemory -Future -WhatIf
            Unlock-ProcessMemory -WhatIf
            (Select-String '^VmLck:\s+(\d+) kB' "/proc/$PID/status").Matches[0].Groups[1].Value
        }
        $vmLck[-1] | Should -Be '0'
    }

    It 'refuses -Future under a finite RLIMIT_MEMLOCK, naming the limit and its value, and the session lives on' -Skip:([Environment]::UserName -ne 'root') {
        $output = Invoke-ChildPwshAsUser -User nobody -Group nogroup -ScriptBlock {
            & prlimit --pid $PID --memlock=4194304:4194304
            Lock-ProcessMemory -Future -ErrorVariable refused -ErrorAction SilentlyContinue
            "id: $($refused[0].FullyQualifiedErrorId)"
            "category: $($refused[0].CategoryInfo.Category)"
            "message: $($refused[0].Exception.Message)"
            $total = 0
            foreach ($i in 1..16) { $total += [byte[]]::new(4MB).Length }
            "alive: $total"
        }
        $output | Should -Contain 'id: ProcessLimit.RLIMIT_MEMLOCK,MemMap.Commands.LockProcessMemoryCommand'
        $output | Should -Contain 'category: ResourceUnavailable'
        ($output -match '^message: ') | Should -Match 'RLIMIT_MEMLOCK is 4194304 bytes.*max\(1 GiB, limit/4\)'
        $output | Should -Contain "alive: $(64MB)"
    }
}
