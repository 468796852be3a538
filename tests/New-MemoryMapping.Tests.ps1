BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

AfterAll {
    Get-MemoryMapping | Remove-MemoryMapping
}

Describe 'New-MemoryMapping' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (2 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'maps the whole file, shared and read-write, by default' {
        $m = New-MemoryMapping $Path
        $m.Kind | Should -Be 'SharedFile'
        $m.Length | Should -Be (2 * $Page)
        $m.Protection | Should -Be 'ReadWrite'
        $m.Path | Should -Be (Resolve-Path $Path).ProviderPath
        $m.IsOpen | Should -BeTrue
        Get-MapsPermission $m | Should -Be 'rw-s'
    }

    It 'takes files from Get-Item down the pipeline' {
        $m = Get-Item $Path | New-MemoryMapping -Protection Read
        $m.Path | Should -Be (Get-Item $Path).FullName
        Get-MapsPermission $m | Should -Be 'r--s'
    }

    It 'resolves a relative path against the current location, not the process directory' {
        Push-Location $TestDrive
        try {
            $m = New-MemoryMapping (Split-Path $Path -Leaf)
            $m.Path | Should -Be $Path
        }
        finally { Pop-Location }
    }

    It 'maps from a page-aligned -Offset for -Length bytes' {
        $m = New-MemoryMapping $Path -Offset $Page -Length 10
        $m.Offset | Should -Be $Page
        $m.Length | Should -Be 10
        (Get-MappedByte $m -Count 10) | Should -Be $Content[$Page..($Page + 9)]
    }

    It 'creates and extends the file with -Create' {
        $new = Join-Path $TestDrive 'created.bin'
        New-MemoryMapping $new -Create -Length 5000 | Should -Not -BeNullOrEmpty
        (Get-Item $new).Length | Should -Be 5000
    }

    It 'creates no file and maps nothing with -WhatIf, or with $WhatIfPreference' {
        $new = Join-Path $TestDrive 'whatif.bin'
        $before = @(Get-MemoryMapping).Count
        New-MemoryMapping $new -Create -Length 5000 -WhatIf | Should -BeNullOrEmpty
        $WhatIfPreference = $true
        try { New-MemoryMapping $new -Create -Length 5000 | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }
        Test-Path $new | Should -BeFalse
        @(Get-MemoryMapping).Count | Should -Be $before
    }

    It 'asks ShouldProcess only at -Confirm or a Low $ConfirmPreference' {
        # In a -NonInteractive child a prompt fails with its own message, so each line says whether it asked.
        $output = Invoke-ChildPwsh {
            function Test-Prompt([scriptblock] $Create) {
                try { $null = & $Create; 'created without asking' }
                catch { if ("$($_.Exception)" -like '*NonInteractive mode. Read and Prompt functionality is not available*') { 'asked' } else { "failed otherwise: $_" } }
            }
            $ConfirmPreference = 'Medium'
            Test-Prompt { New-MemoryMapping -Anonymous -Length 10 }
            Test-Prompt { New-MemoryMapping -Anonymous -Length 10 -Confirm }
            $ConfirmPreference = 'Low'
            Test-Prompt { New-MemoryMapping -Anonymous -Length 10 }
            @(Get-MemoryMapping).Count
        }
        $output | Should -Be 'created without asking', 'asked', 'asked', '1'
    }

    It 'names parameters in its errors as they are typed' {
        $new = Join-Path $TestDrive 'no-length.bin'
        { New-MemoryMapping $new -Create -ErrorAction Stop } | Should -Throw -ExpectedMessage '-Create needs a -Length*'
        New-MemoryMapping (Join-Path $TestDrive 'missing.bin') -ErrorAction SilentlyContinue -ErrorVariable failure
        "$($failure[0])" | Should -BeLike '*use -Create to make it*'
        New-MemoryMapping (Join-Path $TestDrive 'Length') -ErrorAction SilentlyContinue -ErrorVariable failure
        "$($failure[0])" | Should -BeLike '*/Length:*' -Because 'the path is never rewritten'
    }

    It 'maps zero-filled anonymous memory, shared by default or private' {
        $shared = New-MemoryMapping -Anonymous -Length 100
        $private = New-MemoryMapping -Anonymous -Length 100 -Private
        $shared.Kind | Should -Be 'SharedAnonymous'
        $private.Kind | Should -Be 'PrivateAnonymous'
        $shared.MappedLength | Should -Be $Page
        (Get-MappedByte $private) | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
        Get-MapsPermission $private | Should -Be 'rw-p'
    }

    It 'shows in the default table view with a hex address and a human length' {
        $m = New-MemoryMapping $Path
        $table = $m | Format-Table | Out-String -Width 200
        $table | Should -Match ('0x{0:x}' -f $m.Address.ToInt64())
        $table | Should -Match '8 KiB|16 KiB|128 KiB'
    }

    Context 'refuses bad requests with a clear error, leaving the file alone' {
        It 'refuses an offset that is not a multiple of the page size' {
            { New-MemoryMapping $Path -Offset 100 -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand' -ExpectedMessage '*not a multiple of the page size*'
        }

        It 'refuses an offset past the end of the file' {
            { New-MemoryMapping $Path -Offset (4 * $Page) -ErrorAction Stop } | Should -Throw -ExpectedMessage '*past the end*'
        }

        It 'refuses an empty file without -Length' {
            $empty = Join-Path $TestDrive 'empty.bin'
            New-Item $empty -ItemType File | Out-Null
            { New-MemoryMapping $empty -ErrorAction Stop } | Should -Throw -ExpectedMessage '*empty file*'
        }

        It 'refuses a length past the end of the file without -Create' {
            { New-MemoryMapping $Path -Length (3 * $Page) -ErrorAction Stop } | Should -Throw -ExpectedMessage '*-Create to extend*'
            (Get-Item $Path).Length | Should -Be (2 * $Page)
        }

        It 'refuses negative numbers at parameter binding' {
            { New-MemoryMapping $Path -Offset -4096 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MemMap.Commands.NewMemoryMappingCommand'
            { New-MemoryMapping -Anonymous -Length 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MemMap.Commands.NewMemoryMappingCommand'
        }

        It 'reports a missing file as ObjectNotFound with the errno' {
            $missing = Join-Path $TestDrive 'missing.bin'
            New-MemoryMapping $missing -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -Be 'open.ENOENT,MemMap.Commands.NewMemoryMappingCommand'
            $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failure[0].TargetObject | Should -Be $missing
        }

        It 'goes on with the next piped path after one fails' {
            $mappings = $Path, (Join-Path $TestDrive 'missing.bin'), $Path | New-MemoryMapping -ErrorAction SilentlyContinue
            $mappings.Count | Should -Be 2
        }
    }
}

Describe 'New-MemoryMapping hints a user can act on' {
    AfterEach { Get-MemoryMapping | Remove-MemoryMapping }

    It 'asks for a -Length, not -Create (which -Name does not take), for an empty shared-memory object; and that works' {
        $name = "/memmap-empty-$PID-$(New-Guid)"
        [IO.File]::Create("/dev/shm$name").Dispose()
        try {
            New-MemoryMapping -Name $name -ErrorAction SilentlyContinue -ErrorVariable failure
            $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand'
            "$($failure[0])" | Should -BeLike "*empty shared-memory object $name*give a -Length*"
            "$($failure[0])" | Should -Not -BeLike '*-Create*'
            (New-MemoryMapping -Name $name -Length 4096).Length | Should -Be 4096
        }
        finally { Remove-Item -LiteralPath "/dev/shm$name" }
    }

    It 'points at Get-Content for a /proc file, with or without -Length, never at -Create' -ForEach @(@{}, @{ Length = 4096 }) {
        $arguments = $_
        New-MemoryMapping /proc/self/maps @arguments -ErrorAction SilentlyContinue -ErrorVariable failure
        "$($failure[0])" | Should -BeLike '*Get-Content*'
        "$($failure[0])" | Should -Not -BeLike '*-Create*'
    }

    It 'says a device that cannot be mapped cannot, instead of asking for a -Length that would fail too' {
        New-MemoryMapping /dev/null -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'mmap.ENODEV,MemMap.Commands.NewMemoryMappingCommand'
        "$($failure[0])" | Should -BeLike '*does not support memory mapping*'
        New-MemoryMapping /dev/zero -ErrorAction SilentlyContinue -ErrorVariable failure
        "$($failure[0])" | Should -BeLike '*give a -Length*'
        (New-MemoryMapping /dev/zero -Length 4096).Length | Should -Be 4096
    }

    It 'suggests -NoReserve only when it was not given' {
        $huge = [long]1 -shl 56     # more than any x86_64 or aarch64 address space
        New-MemoryMapping -Anonymous -Length $huge -ErrorAction SilentlyContinue -ErrorVariable plain
        New-MemoryMapping -Anonymous -Length $huge -NoReserve -ErrorAction SilentlyContinue -ErrorVariable noReserve
        "$($plain[0])" | Should -BeLike '*use -NoReserve*'
        "$($noReserve[0])" | Should -BeLike '*even with no swap reserved (-NoReserve)*'
        "$($noReserve[0])" | Should -Not -BeLike '*use -NoReserve*'
    }

    It 'answers -Mode <_> with what a permission mode is' -ForEach '999', '1777', '8' {
        New-MemoryMapping -Name "/memmap-mode-$PID" -Length 4096 -Mode $_ -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand'
        "$($failure[0])" | Should -BeLike '*such as*0600*'
        "$($failure[0])" | Should -Not -BeLike '*Execute,*'
        Test-Path "/dev/shm/memmap-mode-$PID" | Should -BeFalse
    }
}

Describe 'Text an encoding cannot represent' {
    It 'names the character, its place in the text and in the mapping, and the encoding: <Command>' -ForEach @(
        @{ Command = 'Set-MappedByte'; Where = '*character 2 of the text (it would go at offset 5 of the mapping)*us-ascii*nothing was written*' }
        @{ Command = 'Find-MappedByte'; Where = '*character 2 of the text,*us-ascii*nothing was searched*' }) {
        $m = New-MemoryMapping -Anonymous -Length 16
        & $Command $m -Offset 3 -String "ab$([char]0xE9)" -Encoding ascii -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        "$($failure[0])" | Should -BeLike "'$([char]0xE9)' (U+00E9)*"
        "$($failure[0])" | Should -BeLike $Where
        (Get-MappedByte $m -Count 16) -join '' | Should -Be ('0' * 16)
        Remove-MemoryMapping $m
    }
}
