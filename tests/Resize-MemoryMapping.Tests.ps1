BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Resize-MemoryMapping' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (2 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'grows anonymous memory, keeping its contents, and updates the same object' {
        $m = New-MemoryMapping -Anonymous -Length $Page -Private
        Set-MappedByte $m -Offset 0 -String 'kept'
        $resized = Resize-MemoryMapping $m -Length (64 * $Page) -PassThru
        $resized | Should -Be $m
        $m.Length | Should -Be (64 * $Page)
        Get-MappedByte $m -Count 4 -AsString | Should -Be 'kept'
        Get-MappedByte $m -Offset (64 * $Page - 1) -Count 1 | Should -Be 0
    }

    It 'refuses to grow a file mapping past the end of its file unless -ExtendFile' {
        $m = New-MemoryMapping $Path
        Resize-MemoryMapping $m -Length (4 * $Page) -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.ResizeMemoryMappingCommand'
        (Get-Item $Path).Length | Should -Be (2 * $Page)

        Resize-MemoryMapping $m -Length (4 * $Page) -ExtendFile
        (Get-Item $Path).Length | Should -Be (4 * $Page)
        $m.Length | Should -Be (4 * $Page)
    }

    It 'shrinks, and reads past the new length are refused' {
        $m = New-MemoryMapping $Path
        Resize-MemoryMapping $m -Length 10
        $m.Length | Should -Be 10
        { Get-MappedByte $m -Offset 10 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.GetMappedByteCommand'
    }

    It 'changes nothing under -WhatIf' {
        $m = New-MemoryMapping $Path
        Resize-MemoryMapping $m -Length 10 -WhatIf
        $m.Length | Should -Be (2 * $Page)
    }

    It 'refuses to grow shared anonymous memory past its pages' {
        $m = New-MemoryMapping -Anonymous -Length $Page
        Resize-MemoryMapping $m -Length (2 * $Page) -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].Exception.Message | Should -Match 'SIGBUS'
        $m.Length | Should -Be $Page
    }
}

Describe 'Running out of memory areas' {
    It 'is a ProcessLimit error from MemMap, and the session lives on to allocate, run cmdlets and clean up' {
        $output = Invoke-ChildPwsh {
            $mappings = [Collections.Generic.List[object]]::new()
            try {
                while ($true) {
                    $m = New-MemoryMapping -Anonymous -Length 4096 -Private -ErrorAction Stop
                    # Neighbours with different protection never merge into one kernel area.
                    Set-MappingProtection $m ('Read', 'ReadWrite')[$mappings.Count % 2] -ErrorAction Stop
                    $mappings.Add($m)
                }
            }
            catch {
                "refused: $($_.FullyQualifiedErrorId)"
            }
            $big = [byte[]]::new(512MB)
            [Array]::Fill($big, [byte]1)
            Get-MemoryMapping | Remove-MemoryMapping
            "left: $(@(Get-MemoryMapping).Count)"
        }
        $LASTEXITCODE | Should -Be 0
        $output | Should -Contain 'refused: ProcessLimit.vm.max_map_count,MemMap.Commands.NewMemoryMappingCommand'
        $output | Should -Contain 'left: 0'
    }
}
