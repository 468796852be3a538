BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'POSIX shared memory: New-MemoryMapping -Name and Remove-MemoryMapping -Unlink' {
    BeforeEach {
        $script:Name = "/memmap-pester-$(New-Guid)"
        $script:ObjectPath = "/dev/shm$Name"
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
        Remove-Item $ObjectPath -ErrorAction SilentlyContinue
    }

    It 'creates the object with mode 0600 and maps it shared' {
        $m = New-MemoryMapping -Name $Name -Length 1MB
        $m.Kind | Should -Be 'SharedMemory'
        $m.Path | Should -Be $ObjectPath
        $m.Name | Should -Be $Name
        (Get-Item $ObjectPath).Length | Should -Be 1MB
        (Get-Item $ObjectPath).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        Get-MapsPermission $m | Should -Be 'rw-s'
    }

    It 'takes -Mode in octal, quoted or not, and gives exactly that mode' {
        New-MemoryMapping -Name $Name -Length $Page -Mode 0664 | Out-Null
        (Get-Item $ObjectPath).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, GroupRead, GroupWrite, OtherRead')
        & stat -c '%a' $ObjectPath | Should -Be '664'
    }

    It 'refuses a -Mode that is not a permission mode' {
        New-MemoryMapping -Name $Name -Length $Page -Mode 'rw-------' -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand'
        $failure[0].ToString() | Should -BeLike "*octal digits*"
        Test-Path $ObjectPath | Should -BeFalse
    }

    It 'shares memory with an unrelated pwsh process, both ways' {
        $m = New-MemoryMapping -Name $Name -Length $Page
        Set-MappedByte $m -Offset 0 -String 'from the parent'
        $seen = Invoke-ChildPwsh -ArgumentList $Name -ScriptBlock {
            param($Name)
            $shm = New-MemoryMapping -Name $Name
            Get-MappedByte $shm -Count 15 -AsString
            Set-MappedByte $shm -Offset 100 -String 'from the child'
        }
        $seen | Should -Be 'from the parent'
        Get-MappedByte $m -Offset 100 -Count 14 -AsString | Should -Be 'from the child'
    }

    It 'opens an existing object without -Length and fails clearly for a missing one' {
        New-MemoryMapping -Name $Name -Length (2 * $Page) | Remove-MemoryMapping
        (New-MemoryMapping -Name $Name).Length | Should -Be (2 * $Page)

        New-MemoryMapping -Name '/memmap-pester-missing' -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'shm_open.ENOENT,MemMap.Commands.NewMemoryMappingCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure[0].ToString() | Should -BeLike '*give a Length to create it*'
    }

    It 'refuses another user''s object of mode 0600 with EACCES' {
        if ([Environment]::UserName -ne 'root') { Set-ItResult -Skipped -Because 'only root can create an object as another user (setpriv) to be refused: run the suite as root'; return }
        $m = New-MemoryMapping -Name $Name -Length $Page
        Set-MappedByte $m -String 'secret'
        $output = Invoke-ChildPwshAsUser -User nobody -Group nogroup -ArgumentList $Name -ScriptBlock {
            param($Name)
            New-MemoryMapping -Name $Name -ErrorAction SilentlyContinue -ErrorVariable failure | Out-Null
            [Environment]::UserName
            $failure[0].FullyQualifiedErrorId
            $failure[0].CategoryInfo.Category
        }
        $output | Should -Be 'nobody', 'shm_open.EACCES,MemMap.Commands.NewMemoryMappingCommand', 'PermissionDenied'
        Get-MappedByte $m -Count 6 -AsString | Should -Be 'secret'
    }

    It 'removes the name with -Unlink, after -WhatIf changed nothing' {
        $m = New-MemoryMapping -Name $Name -Length $Page
        Remove-MemoryMapping $m -Unlink -WhatIf
        $m.IsOpen | Should -BeTrue
        Test-Path $ObjectPath | Should -BeTrue

        Remove-MemoryMapping $m -Unlink
        $m.IsOpen | Should -BeFalse
        Test-Path $ObjectPath | Should -BeFalse
    }

    It 'refuses -Unlink for a mapping that is not shared memory, and leaves it mapped' {
        $m = New-MemoryMapping -Anonymous -Length $Page
        Remove-MemoryMapping $m -Unlink -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'NotSharedMemory,MemMap.Commands.RemoveMemoryMappingCommand'
        $m.IsOpen | Should -BeTrue
    }

    It 'completes -Name with the objects in /dev/shm' {
        New-MemoryMapping -Name $Name -Length $Page | Out-Null
        $line = "New-MemoryMapping -Name $($Name.Substring(0, 20))"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain $Name
    }
}
